// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';
import { installBackendDataSourceSrv } from './src/test-utils/dataSourceSrv';

// Resource calls go through getDataSourceSrv().get(uid): every test gets Grafana's own
// DataSourceWithBackend, which reaches the BackendSrv fake a test installs.
installBackendDataSourceSrv();

// jsdom has no layout and no IntersectionObserver; Grafana 12's ScrollContainer (inside Select
// menus) creates one. Nothing intersects in jsdom, so the observer never calls back.
class NoLayoutIntersectionObserver {
  constructor(callback, options = {}) {
    this.root = options.root ?? null;
    this.rootMargin = options.rootMargin ?? '0px';
    this.thresholds = [].concat(options.threshold ?? 0);
  }
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
if (typeof globalThis.IntersectionObserver === 'undefined') {
  globalThis.IntersectionObserver = NoLayoutIntersectionObserver;
}
