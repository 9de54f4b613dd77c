/** Public entry of the hub client (H200/H500 and the battery cameras behind it). */
export {
  HubClient,
  ChildUnavailable,
  type ChildPoll,
  type ChildProblem,
  type ChildSettings,
  type HubClientOptions,
  type HubPoll,
} from './hub-client.ts';
export { type HubChild, type ChildDeviceInfo, decodeCharging } from './child-decode.ts';
export type { ChildWrapping } from './wrap.ts';
export { type HubSensor, type SensorKind } from './sensor-decode.ts';
export {
  type HubStorageCamera,
  decodeHubStorageCameras,
  listHubStorageCameras,
  normalMac,
  onHubStorage,
} from './hub-storage.ts';
