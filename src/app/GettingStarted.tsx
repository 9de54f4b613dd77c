/**
 * The app's page: how to add the Tapo datasource (what each camera account is for) and the dashboards the app
 * includes, importable with one click.
 */
import { css } from '@emotion/css';
import { type AppRootProps, type GrafanaTheme2, locationUtil } from '@grafana/data';
import { getDataSourceSrv, PluginPage } from '@grafana/runtime';
import { Alert, Button, LinkButton, useStyles2 } from '@grafana/ui';
import React, { useEffect, useState } from 'react';

import { DATASOURCE_TYPE, importDashboard, listDashboards, type PluginDashboard } from './pluginDashboards';

type DashboardsState = { loading: true } | { loading: false; items: PluginDashboard[]; error?: string };

const url = (path: string) => locationUtil.assureBaseUrl(path);

/** The app's page: how to set the datasource up, which camera account is which, and the dashboards. */
export function GettingStarted(_props: AppRootProps) {
  const styles = useStyles2(getStyles);
  const datasources = getDataSourceSrv().getList({ pluginId: DATASOURCE_TYPE });
  const [dashboards, setDashboards] = useState<DashboardsState>({ loading: true });
  const [importing, setImporting] = useState<string | null>(null);
  const [importError, setImportError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    listDashboards().then(
      (items) => live && setDashboards({ loading: false, items }),
      (err) => live && setDashboards({ loading: false, items: [], error: errorText(err) })
    );
    return () => {
      live = false;
    };
  }, []);

  const onImport = async (dash: PluginDashboard) => {
    setImporting(dash.path);
    setImportError(null);
    try {
      const res = await importDashboard(dash.path);
      setDashboards((s) =>
        s.loading
          ? s
          : {
              ...s,
              items: s.items.map((d) =>
                d.path === dash.path ? { ...d, imported: true, importedUrl: res.importedUrl } : d
              ),
            }
      );
    } catch (err) {
      setImportError(`${dash.title}: ${errorText(err)}`);
    } finally {
      setImporting(null);
    }
  };

  return (
    <PluginPage>
      <div className={styles.page}>
        <p>
          Monitoring, alerts and a live picture for TP-Link Tapo cameras, over each camera&apos;s own local API. The
          datasource&apos;s backend is a Node sidecar: Grafana starts it from this plugin (Node 22.13 or later on the
          Grafana host), or it runs in a container of its own. ffmpeg on the sidecar&apos;s host gives live pictures.
        </p>

        <h3>1. Add the Tapo Cameras datasource</h3>
        {datasources.length === 0 ? (
          <p>No Tapo Cameras datasource yet.</p>
        ) : (
          <ul aria-label="Tapo datasources">
            {datasources.map((ds) => (
              <li key={ds.uid}>
                <a href={url(`/connections/datasources/edit/${ds.uid}`)}>{ds.name}</a>
              </li>
            ))}
          </ul>
        )}
        <LinkButton icon="plus" variant="secondary" href={url(`/plugins/${DATASOURCE_TYPE}`)}>
          Add a Tapo Cameras datasource
        </LinkButton>

        <h3>2. Add cameras: two accounts per camera</h3>
        <ul>
          <li>
            <strong>The owner&apos;s TP-Link cloud password</strong> (user <code>admin</code>) is for the camera&apos;s
            local API: status, settings, PTZ. Turn on <em>Third-Party Compatibility</em> in the Tapo app (Me → Tapo Lab)
            first.
          </li>
          <li>
            <strong>The camera account</strong> (Tapo app → Camera Settings → Advanced Settings → Camera Account) is for
            the video stream (RTSP, live pictures) and motion events (ONVIF).
          </li>
        </ul>
        <p>
          With no camera configured, the sidecar shows a simulated demo fleet, so the dashboards have something to show.{' '}
          <em>Save &amp; test</em> reports every camera as reachable or with the reason it is not.
        </p>

        <h3>3. Dashboards</h3>
        {dashboards.loading ? (
          <p>Loading dashboards…</p>
        ) : (
          <>
            {dashboards.error && (
              <Alert severity="warning" title="Could not list the dashboards">
                {dashboards.error}
              </Alert>
            )}
            {importError && (
              <Alert severity="error" title="Import failed">
                {importError}
              </Alert>
            )}
            <ul aria-label="Tapo dashboards" className={styles.dashboards}>
              {dashboards.items.map((dash) => (
                <li key={dash.path}>
                  <span className={styles.title}>{dash.title}</span>
                  {dash.imported && dash.importedUrl ? (
                    <LinkButton size="sm" variant="secondary" icon="apps" href={url(dash.importedUrl)}>
                      Open
                    </LinkButton>
                  ) : (
                    <Button
                      size="sm"
                      icon="import"
                      disabled={importing !== null}
                      onClick={() => onImport(dash)}
                      aria-label={`Import ${dash.title}`}
                    >
                      {importing === dash.path ? 'Importing…' : 'Import'}
                    </Button>
                  )}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </PluginPage>
  );
}

function errorText(err: unknown): string {
  const e = err as { data?: { message?: string }; message?: string; statusText?: string } | undefined;
  return e?.data?.message ?? e?.message ?? e?.statusText ?? 'unknown error';
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ maxWidth: 900, h3: { marginTop: theme.spacing(3) } }),
  dashboards: css({
    listStyle: 'none',
    padding: 0,
    li: { display: 'flex', alignItems: 'center', gap: theme.spacing(2), padding: theme.spacing(0.5, 0) },
  }),
  title: css({ minWidth: 260 }),
});
