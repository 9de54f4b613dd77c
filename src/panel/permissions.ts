import { config } from '@grafana/runtime';

interface UserLike {
  orgRole?: string;
  isGrafanaAdmin?: boolean;
}

/** Camera controls (PTZ, presets, privacy, snapshots) are for Editors and Admins; the backend checks again. */
export function canControlCameras(user: UserLike | undefined = config.bootData?.user): boolean {
  return user?.orgRole === 'Admin' || user?.orgRole === 'Editor' || Boolean(user?.isGrafanaAdmin);
}
