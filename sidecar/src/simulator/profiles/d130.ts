/**
 * Tapo D130 (US) doorbell, hardware 1.0, firmware 1.1.9. Facts from python-kasa's recorded
 * answers (tests/fixtures/smartcam/D130(US)_1.0_1.1.9.json): device type SMART.TAPODOORBELL, LED
 * "auto", a 119.1 GB card in loop recording with 0 B free (normal for loop recording).
 */
import { realProfile } from '../profiles.ts';

export const D130 = realProfile({
  source: 'python-kasa tests/fixtures/smartcam/D130(US)_1.0_1.1.9.json',
  model: 'D130',
  hwVersion: '1.0',
  firmware: '1.1.9 Build 240716 Rel.51615n',
  deviceType: 'SMART.TAPODOORBELL',
  region: 'US',
  components:
    'sdCard:1 timezone:1 system:3 led:2 playback:6 detection:3 firmware:2 account:1 quickSetup:1 video:3 ' +
    'lensMask:2 lightFrequency:1 dayNightMode:1 osd:3 record:1 videoRotation:1 audio:3 diagnose:1 msgPush:3 ' +
    'linecrossingDetection:2 deviceShare:1 tamperDetection:1 tapoCare:1 blockZone:1 personDetection:2 ' +
    'needSubscriptionServiceList:1 nightVisionMode:3 vehicleDetection:1 petDetection:1 packageDetection:3 ' +
    'detectionRegion:2 markerBox:1 whiteLamp:1 nvmp:1 iotCloud:1 quickResponse:1 ldc:1 upnpc:2 chimeCtrl:1 ring:3 ' +
    'recordDownload:1 staticIp:2',
  card: { totalBytes: 127878135808, freeBytes: 0, loop: true, percent: '0' },
  led: 'auto',
  lastUpgradingSuccess: true,
  noAlarmTime: '0',
  accurateSizes: true,
});
