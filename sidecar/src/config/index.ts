/** Camera configuration: datasource settings, YAML file, the persisted list. */
export { camerasFromDatasource } from './datasource.ts';
export { loadYamlConfig, parseYamlConfig, substituteEnv } from './yaml.ts';
export { CameraListStore, type ResumedSource } from './persist.ts';
export { parseCameraEntry, parseCameraList, CAMERA_ID_RE } from './schema.ts';
export * from './types.ts';
