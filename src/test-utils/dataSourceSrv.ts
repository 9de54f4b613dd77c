/**
 * Test helper: a DataSourceSrv whose datasources make resource calls through the mocked BackendSrv, as Grafana's
 * do.
 */
import type { DataSourceInstanceSettings } from '@grafana/data';
import { type DataSourceSrv, DataSourceWithBackend, setDataSourceSrv } from '@grafana/runtime';

/**
 * A DataSourceSrv whose get(uid) is Grafana's own DataSourceWithBackend for that uid, so resource
 * calls (getResource/postResource) build their real URLs and reach the test's fake BackendSrv.
 */
export function installBackendDataSourceSrv(): void {
  const instances = new Map<string, DataSourceWithBackend>();
  const settings = (uid: string) =>
    ({
      uid,
      name: uid,
      type: 'camwatch-tapo-datasource',
      meta: { id: 'camwatch-tapo-datasource' },
      jsonData: {},
      access: 'proxy',
      readOnly: false,
    }) as unknown as DataSourceInstanceSettings;
  const srv = {
    get: async (ref?: string | { uid?: string } | null) => {
      const uid = typeof ref === 'string' ? ref : (ref?.uid ?? '');
      if (!instances.has(uid)) {
        instances.set(uid, new DataSourceWithBackend(settings(uid)));
      }
      return instances.get(uid)!;
    },
    getList: () => [],
    getInstanceSettings: (ref?: string | { uid?: string } | null) =>
      settings(typeof ref === 'string' ? ref : (ref?.uid ?? '')),
    reload: async () => undefined,
    registerRuntimeDataSource: () => undefined,
  };
  setDataSourceSrv(srv as unknown as DataSourceSrv);
}
