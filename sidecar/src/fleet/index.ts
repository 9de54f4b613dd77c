/** The fleet: polling and motion events. Its contract is `../model.ts`; the demo fleet is `../demo/`. */
export { Fleet, type FleetOptions, type FleetHistoryRequest, type PollTrace } from './fleet.ts';
export { tapoProbeFactory, type CameraProbe, type ProbeFactory } from './probe.ts';
export { onvifMotionSourceFactory } from './onvif-source.ts';
export { childCameraId } from './hub-probe.ts';
export type { OwnershipConflict } from './sources.ts';
export type { MotionSource, MotionSourceFactory } from './motion.ts';
