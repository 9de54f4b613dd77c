/**
 * Tapo C100, hardware 4.0, firmware 1.3.14. Facts from python-kasa's recorded answers
 * (tests/fixtures/smartcam/C100_4.0_1.3.14.json): no card, rounded sizes only, and
 * last_alarm_time "" when it never alarmed.
 */
import { realProfile } from '../profiles.ts';

export const C100 = realProfile({
  source: 'python-kasa tests/fixtures/smartcam/C100_4.0_1.3.14.json',
  model: 'C100',
  hwVersion: '4.0',
  firmware: '1.3.14 Build 240513 Rel.43631n(5553)',
  deviceType: 'SMART.IPCAMERA',
  region: 'EU',
  components:
    'sdCard:1 timezone:1 system:3 led:1 playback:4 detection:3 alert:1 firmware:2 account:2 quickSetup:1 video:2 ' +
    'lensMask:2 lightFrequency:1 dayNightMode:1 osd:2 record:1 videoRotation:1 audio:2 diagnose:1 msgPush:3 ' +
    'deviceShare:1 tapoCare:1 blockZone:1 personDetection:2 babyCryDetection:1 needSubscriptionServiceList:1 ' +
    'iotCloud:1 recordDownload:1 detectionRegion:2 staticIp:1',
  card: null,
  led: 'on',
  lastUpgradingSuccess: true,
  noAlarmTime: '',
  accurateSizes: false,
});
