/**
 * Cameras as plain values, for tests where the fleet's probes are fakes: a camera's settings (by
 * default at an address where nothing listens) and one poll's answer of a wired C210.
 */
import type { CameraConfig } from '../../src/config/types.ts';
import type { CameraPoll } from '../../src/tapo/types.ts';

/** A camera's settings as the fleet takes them, polled every 50 ms unless `over` says otherwise. */
export function fakeCameraConfig(id: string, over: Partial<CameraConfig> = {}): CameraConfig {
  return {
    id,
    name: id,
    host: '127.0.0.1',
    port: 9,
    username: 'admin',
    password: 'x',
    cameraAccount: null,
    cameraPassword: null,
    pollIntervalMs: 50,
    stream: 'stream2',
    rtspUrlOverride: null,
    onvifPort: null,
    tlsFingerprint: null,
    disabled: false,
    source: 'test',
    ...over,
  };
}

/** A poll's answer of an online wired camera (`model`, C210 by default), with `over` on top. */
export function fakePoll(over: Partial<CameraPoll> & { model?: string } = {}): CameraPoll {
  const { model = 'C210', ...rest } = over;
  return {
    deviceInfo: {
      model,
      alias: 'x',
      firmware: '1.0',
      hardwareVersion: '1.0',
      mac: 'AA',
      deviceId: 'D',
      deviceType: 'SMART.IPCAMERA',
      batteryPercent: null,
    },
    connection: { linkType: 'wifi', rssiDbm: -50, signalLevel: 3, ssid: null },
    motionDetectionEnabled: true,
    personDetectionEnabled: false,
    privacyMode: false,
    led: 'on',
    sdCard: null,
    components: null,
    firmwareUpdate: null,
    lastAlarm: null,
    recordingMode: 'off',
    uptimeSeconds: null,
    temperatureC: null,
    latencyMs: 1,
    parts: {} as CameraPoll['parts'],
    ...rest,
  };
}
