/** The fleet: polling, motion events, the demo fleet. `model.ts` is the contract. */
export { Fleet, type FleetOptions, type FleetHistoryRequest, type PollTrace, type CameraCounters } from './fleet.ts';
export { startDemoFleet, DEMO_SOURCE, type DemoFleet, type DemoFleetOptions } from './demo.ts';
export { tapoProbeFactory, type CameraProbe, type ProbeFactory } from './probe.ts';
export { onvifMotionSourceFactory } from './onvif-source.ts';
export type { MotionSource, MotionSourceFactory } from './motion.ts';
export * from './model.ts';
