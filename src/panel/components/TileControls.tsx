/**
 * A tile's control bar: snapshot, full screen, PTZ arrows and presets, privacy toggle; folded into one button on
 * narrow tiles.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import { IconButton, Select, Toggletip, useStyles2 } from '@grafana/ui';
import React, { useState } from 'react';

import type { PtzPreset } from '../../shared/query';
import type { CameraApi, PtzDirection } from '../api';
import type { TileView } from '../frameStore';

export interface TileControlsProps {
  view: TileView;
  /** Present when the frames came from a Tapo datasource and the camera id is known. */
  api?: CameraApi;
  ptz: boolean;
  privacy?: boolean;
  onFullscreen: () => void;
  /** Called once the camera accepted a privacy change. */
  onPrivacyChange: (enabled: boolean) => void;
  /** Narrow tile: the PTZ arrows and presets fold into one button. */
  narrow?: boolean;
}

const DIRECTIONS: Array<{
  direction: PtzDirection;
  icon: 'arrow-up' | 'arrow-down' | 'arrow-left' | 'arrow-right';
}> = [
  { direction: 'left', icon: 'arrow-left' },
  { direction: 'up', icon: 'arrow-up' },
  { direction: 'down', icon: 'arrow-down' },
  { direction: 'right', icon: 'arrow-right' },
];

/** The sidecar answers `{ error }`; Grafana's own errors carry `{ message }`. */
function messageOf(err: unknown): string {
  const e = err as { data?: { error?: unknown; message?: unknown }; message?: unknown };
  const text = e?.data?.error ?? e?.data?.message ?? e?.message;
  return typeof text === 'string' && text ? text : 'the request failed';
}

function download(url: string, filename: string) {
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/** Snapshot, full screen, PTZ and privacy for one tile; the caller shows it to Editors/Admins only. */
export function TileControls({
  view,
  api,
  ptz,
  privacy,
  onFullscreen,
  onPrivacyChange,
  narrow = false,
}: TileControlsProps) {
  const styles = useStyles2(getStyles);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [presets, setPresets] = useState<PtzPreset[] | undefined>();
  const [loadingPresets, setLoadingPresets] = useState(false);
  const cameraId = view.cameraId;
  const privacyState = privacy;

  const run = async (what: string, action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(`${what}: ${messageOf(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const snapshot = () =>
    run('Snapshot', async () => {
      const name = `${view.cameraId ?? view.name}-${new Date().toISOString().replace(/[:.]/g, '-')}.jpg`;
      if (api && cameraId) {
        const blob = await api.snapshot(cameraId);
        const url = URL.createObjectURL(blob);
        try {
          download(url, name);
        } finally {
          URL.revokeObjectURL(url);
        }
      } else if (view.imageUrl) {
        download(view.imageUrl, name);
      } else {
        throw new Error('no picture yet');
      }
    });

  const loadPresets = () => {
    if (api && cameraId && presets === undefined && !loadingPresets) {
      setLoadingPresets(true);
      api
        .presets(cameraId)
        .then(setPresets, (err: unknown) => {
          setPresets([]);
          setError(`Presets: ${messageOf(err)}`);
        })
        .finally(() => setLoadingPresets(false));
    }
  };

  const ptzControls = (cameraApi: CameraApi, id: string) => (
    <>
      {DIRECTIONS.map(({ direction, icon }) => (
        <IconButton
          key={direction}
          name={icon}
          tooltip={`Move ${direction}`}
          disabled={busy}
          onClick={() => run('Move', () => cameraApi.move(id, direction))}
        />
      ))}
      <Select<string>
        aria-label="PTZ preset"
        width={16}
        placeholder="Preset"
        isLoading={loadingPresets}
        noOptionsMessage={presets === undefined ? 'Loading presets…' : 'No presets on this camera'}
        options={(presets ?? []).map((p) => ({ label: p.name, value: p.id }))}
        onOpenMenu={loadPresets}
        onChange={(v: SelectableValue<string>) => v.value && run('Preset', () => cameraApi.gotoPreset(id, v.value!))}
      />
    </>
  );

  return (
    <div className={styles.controls} data-testid="tile-controls">
      <IconButton name="download-alt" tooltip="Download snapshot" onClick={snapshot} disabled={busy} />
      <IconButton name="expand-arrows" tooltip="Full screen" onClick={onFullscreen} />
      {api && cameraId && ptz && !narrow && ptzControls(api, cameraId)}
      {api && cameraId && ptz && narrow && (
        <Toggletip content={<div className={styles.ptzPopup}>{ptzControls(api, cameraId)}</div>} placement="top">
          <IconButton name="arrows-h" tooltip="Pan and tilt" />
        </Toggletip>
      )}
      {api && cameraId && (
        <IconButton
          name={privacyState ? 'eye-slash' : 'eye'}
          tooltip={privacyState ? 'Privacy mode is on: turn it off' : 'Turn privacy mode on'}
          disabled={busy}
          onClick={() =>
            run('Privacy', async () => {
              const next = !privacyState;
              await api.setPrivacy(cameraId, next);
              onPrivacyChange(next);
            })
          }
        />
      )}
      {error && (
        <span role="alert" className={styles.error} title={error}>
          {error}
        </span>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  controls: css({
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'nowrap',
    gap: theme.spacing(0.5),
    height: '100%',
    padding: theme.spacing(0, 0.5),
    overflow: 'hidden',
    minWidth: 0,
  }),
  ptzPopup: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(0.5) }),
  error: css({
    color: theme.colors.error.text,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    minWidth: 0,
  }),
});
