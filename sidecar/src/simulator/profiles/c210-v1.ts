/**
 * Tapo C210 (EU), hardware 1.0, firmware 1.4.7. Facts from python-kasa's recorded answers
 * (tests/fixtures/smartcam/C210(EU)_1.0_1.4.7.json): a 29.3 GB card in loop recording, 0 B free
 * (full, as loop recording keeps it), LED off.
 */
import { realProfile } from '../profiles.ts';

export const C210_V1 = realProfile({
  source: 'python-kasa tests/fixtures/smartcam/C210(EU)_1.0_1.4.7.json',
  model: 'C210',
  hwVersion: '1.0',
  firmware: '1.4.7 Build 250625 Rel.58841n',
  deviceType: 'SMART.IPCAMERA',
  region: 'EU',
  components:
    'sdCard:1 timezone:1 system:3 led:1 playback:6 detection:3 alert:1 firmware:2 account:2 quickSetup:1 video:2 ' +
    'ptz:1 lensMask:2 lightFrequency:1 dayNightMode:1 osd:2 record:1 videoRotation:1 audio:2 diagnose:1 msgPush:3 ' +
    'deviceShare:1 tamperDetection:1 tapoCare:1 targetTrack:1 blockZone:1 babyCryDetection:1 personDetection:2 ' +
    'needSubscriptionServiceList:1 nvmp:1 detectionRegion:2 iotCloud:1 panoramicView:1 recordDownload:1 staticIp:2 ' +
    'timeFormat:1 relayPreConnection:1 hubManage:1',
  card: { totalBytes: 31443156992, freeBytes: 0, loop: true, percent: '100' },
  led: 'off',
  lastUpgradingSuccess: true,
  noAlarmTime: '0',
  accurateSizes: true,
});
