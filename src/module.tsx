/** Entry point of the app plugin: its root page is the getting-started page. */
import { AppPlugin } from '@grafana/data';

import { GettingStarted } from './app/GettingStarted';

/** The app: one page (getting started, the dashboards); the datasource and panel are nested plugins. */
export const plugin = new AppPlugin<{}>().setRootPage(GettingStarted);
