/**
 * Tapo C720 (US) floodlight camera, hardware 1.0, firmware 1.2.3. Facts from python-kasa's
 * recorded answers (tests/fixtures/smartcam/C720(US)_1.0_1.2.3.json): a 119.1 GB card with 6.5 GB
 * free, not in loop recording; no PTZ.
 */
import { realProfile } from '../profiles.ts';

export const C720 = realProfile({
  source: 'python-kasa tests/fixtures/smartcam/C720(US)_1.0_1.2.3.json',
  model: 'C720',
  hwVersion: '1.0',
  firmware: '1.2.3 Build 240823 Rel.40327n',
  deviceType: 'SMART.IPCAMERA',
  region: 'US',
  components:
    'sdCard:1 timezone:1 system:3 led:1 playback:6 detection:3 alert:2 firmware:2 account:2 quickSetup:1 video:3 ' +
    'lensMask:2 lightFrequency:1 dayNightMode:1 osd:2 record:1 videoRotation:1 audio:3 diagnose:1 msgPush:3 ' +
    'linecrossingDetection:2 deviceShare:1 tamperDetection:1 tapoCare:1 blockZone:1 personDetection:2 ' +
    'needSubscriptionServiceList:1 vehicleDetection:1 petDetection:1 detectionRegion:2 markerBox:1 nvmp:1 ' +
    'iotCloud:1 pirDetection:1 lightsensor:1 floodlight:2 recordDownload:1 upnpc:2 staticIp:2 manualAlarm:1 ' +
    'snapshot:2 timeFormat:1',
  card: { totalBytes: 127878135808, freeBytes: 6945154936, loop: false, percent: '100' },
  led: 'on',
  lastUpgradingSuccess: true,
  noAlarmTime: '0',
  accurateSizes: true,
});
