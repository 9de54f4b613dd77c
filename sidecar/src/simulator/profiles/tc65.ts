/**
 * Tapo TC65, hardware 1.0, firmware 1.3.9. Facts from python-kasa's recorded answers
 * (tests/fixtures/smartcam/TC65_1.0_1.3.9.json): no card, rounded sizes only, and a failed last
 * firmware upgrade (lastUpgradingSuccess false).
 */
import { realProfile } from '../profiles.ts';

export const TC65 = realProfile({
  source: 'python-kasa tests/fixtures/smartcam/TC65_1.0_1.3.9.json',
  model: 'TC65',
  hwVersion: '1.0',
  firmware: '1.3.9 Build 231024 Rel.72919n(4555)',
  deviceType: 'SMART.IPCAMERA',
  region: 'EU',
  components:
    'sdCard:1 timezone:1 system:4 led:1 playback:4 detection:3 alert:1 firmware:2 account:1 quickSetup:1 video:2 ' +
    'lensMask:2 lightFrequency:1 dayNightMode:1 osd:2 record:1 videoRotation:1 audio:2 diagnose:1 msgPush:3 ' +
    'intrusionDetection:2 linecrossingDetection:2 deviceShare:1 tamperDetection:1 tapoCare:1 blockZone:1 ' +
    'personDetection:2 needSubscriptionServiceList:1 iotCloud:1 recordDownload:1',
  card: null,
  led: 'on',
  lastUpgradingSuccess: false,
  noAlarmTime: '0',
  accurateSizes: false,
});
