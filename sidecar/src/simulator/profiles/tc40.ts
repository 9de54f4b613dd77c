/**
 * Tapo TC40 (EU), hardware 2.0, firmware 1.0.4. Facts from python-kasa's recorded answers
 * (tests/fixtures/smartcam/TC40(EU)_2.0_1.0.4.json): `ptz` and `patrol` components on a model no
 * pan/tilt list names, no Wi-Fi reading (rssi "-1", rssiValue 0, empty ssid), no card.
 */
import { realProfile } from '../profiles.ts';

export const TC40 = realProfile({
  source: 'python-kasa tests/fixtures/smartcam/TC40(EU)_2.0_1.0.4.json',
  model: 'TC40',
  hwVersion: '2.0',
  firmware: '1.0.4 Build 240902 Rel.38194n',
  deviceType: 'SMART.IPCAMERA',
  region: 'EU',
  components:
    'sdCard:1 timezone:1 system:3 led:1 playback:6 detection:3 alert:2 firmware:2 account:2 quickSetup:1 ptz:1 ' +
    'video:3 lensMask:2 lightFrequency:1 dayNightMode:1 osd:2 record:1 videoRotation:1 audio:3 nightVisionMode:3 ' +
    'diagnose:1 msgPush:3 deviceShare:1 tamperDetection:1 patrol:1 tapoCare:1 targetTrack:1 blockZone:1 ' +
    'personDetection:2 needSubscriptionServiceList:1 whiteLamp:1 nvmp:1 detectionRegion:2 recordDownload:1 upnpc:2 ' +
    'iotCloud:1 staticIp:2',
  connection: { rssi: '-1', rssiValue: 0, ssid: '' },
  card: null,
  led: 'on',
  lastUpgradingSuccess: true,
  noAlarmTime: '0',
  accurateSizes: true,
});
