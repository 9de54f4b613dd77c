import { config } from '@grafana/runtime';

interface UserLike {
  orgRole?: string;
  isGrafanaAdmin?: boolean;
}

/**
 * Camera controls (PTZ, presets, privacy, snapshots) are for Editors and Admins; the backend checks
 * again. It sees only the org role (the plugin context carries no server-admin flag), so a Grafana
 * server admin who is a Viewer in this org would get nothing but refusals: the org role decides.
 */
export function canControlCameras(user: UserLike | undefined = config.bootData?.user): boolean {
  return user?.orgRole === 'Admin' || user?.orgRole === 'Editor';
}
