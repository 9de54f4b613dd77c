/** The app's included dashboards through Grafana's own plugin-dashboard list and import APIs. */
import { getBackendSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

export const APP_ID = 'camwatch-tapo-app';
export const DATASOURCE_TYPE = 'camwatch-tapo-datasource';

/** One of the app's included dashboards as Grafana's plugin dashboards API lists it. */
export interface PluginDashboard {
  title: string;
  path: string;
  uid?: string;
  imported: boolean;
  importedUrl?: string;
}

/** The app's dashboards (`includes` of type dashboard) and whether each is imported in this org. */
export async function listDashboards(): Promise<PluginDashboard[]> {
  const res = await lastValueFrom(
    getBackendSrv().fetch<PluginDashboard[]>({ url: `/api/plugins/${APP_ID}/dashboards`, showErrorAlert: false })
  );
  return Array.isArray(res.data) ? res.data : [];
}

/**
 * Imports one included dashboard as the plugin's Dashboards tab does. The dashboards pick the Tapo
 * datasource through their `datasource` variable, so there are no inputs to fill.
 */
export async function importDashboard(path: string): Promise<{ importedUrl?: string }> {
  const res = await lastValueFrom(
    getBackendSrv().fetch<{ importedUrl?: string }>({
      url: '/api/dashboards/import',
      method: 'POST',
      data: { pluginId: APP_ID, path, overwrite: true, inputs: [] },
      showErrorAlert: false,
    })
  );
  return res.data ?? {};
}
