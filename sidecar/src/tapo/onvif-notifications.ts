/**
 * ONVIF notifications as Tapo cameras send them: motion is
 * `tns1:RuleEngine/CellMotionDetector/Motion` (IsMotion), people
 * `tns1:RuleEngine/PeopleDetector/People` (IsPeople; some firmware says CellMotionDetector/People),
 * older firmware `tns1:VideoSource/MotionAlarm` (State). The smart detections come as
 * `CellMotionDetector/{Intrusion,LineCross,Tamper,TpSmartEvent}` or
 * `TPSmartEventDetector/TPSmartEvent`, told apart by the data item's name (IsVehicle, IsPet,
 * IsLineCross, IsTamper, IsIntrusion, IsPeople), since the topic spelling varies by firmware.
 */
import type { EventKind } from '../../../src/shared/query.ts';
import { child, findAll, type XmlNode } from './onvif-xml.ts';

/** The kinds a camera can push over ONVIF; the rest reach us only as a last alarm. */
export const ONVIF_EVENT_KINDS = [
  'motion',
  'person',
  'vehicle',
  'pet',
  'line_crossing',
  'intrusion',
  'tamper',
] as const;
export type OnvifEventKind = (typeof ONVIF_EVENT_KINDS)[number] & EventKind;

/** A notification, decoded. */
export interface OnvifNotification {
  topic: string;
  kind: OnvifEventKind | null;
  /** The boolean state (IsMotion, IsPeople, State), null when absent. */
  active: boolean | null;
  /** Camera clock, epoch ms; null when absent. */
  utcTime: number | null;
  operation: string;
}

/** Data item names of Tapo's smart-detection topics, and what each one reports. */
const SMART_ITEMS: Record<string, OnvifEventKind> = {
  IsPeople: 'person',
  IsVehicle: 'vehicle',
  IsPet: 'pet',
  IsLineCross: 'line_crossing',
  IsTamper: 'tamper',
  IsIntrusion: 'intrusion',
  IsMotion: 'motion',
};

const SMART_TOPIC =
  /(^|\/)(CellMotionDetector\/(People|Intrusion|LineCross|Tamper|TpSmartEvent)|TPSmartEventDetector\/TPSmartEvent)$/;

/** The topic's kind, or 'smart' when the data item decides it; null for topics we do not read. */
function topicKind(topic: string): { kind: OnvifEventKind | 'smart'; item: string[] } | null {
  const t = topic.replace(/^[A-Za-z0-9_]+:/, '');
  if (/(^|\/)CellMotionDetector\/Motion$/.test(t)) {
    return { kind: 'motion', item: ['IsMotion'] };
  }
  if (/(^|\/)PeopleDetector\/People$/.test(t)) {
    return { kind: 'person', item: ['IsPeople'] };
  }
  if (SMART_TOPIC.test(t)) {
    return { kind: 'smart', item: Object.keys(SMART_ITEMS) };
  }
  if (/(^|\/)VideoSource\/MotionAlarm$/.test(t)) {
    return { kind: 'motion', item: ['State'] };
  }
  return null;
}

/** Decodes the NotificationMessages of a PullMessagesResponse (or any element containing them). */
export function parseNotifications(body: XmlNode): OnvifNotification[] {
  return findAll(body, 'NotificationMessage').map((nm) => {
    const topic = child(nm, 'Topic')?.text ?? '';
    const outer = child(nm, 'Message');
    const msg = child(outer, 'Message') ?? outer;
    const known = topicKind(topic);
    let active: boolean | null = null;
    let kind: OnvifEventKind | null = known && known.kind !== 'smart' ? known.kind : null;
    const data = child(msg, 'Data');
    for (const item of data ? findAll(data, 'SimpleItem') : []) {
      const name = item.attrs.Name ?? '';
      if (known ? known.item.includes(name) : /^(Is[A-Z]\w*|State)$/.test(name)) {
        const v = (item.attrs.Value ?? '').toLowerCase();
        active = v === 'true' || v === '1';
        if (known?.kind === 'smart') {
          kind = SMART_ITEMS[name] ?? null;
        }
      }
    }
    const t = msg?.attrs.UtcTime ? Date.parse(msg.attrs.UtcTime) : NaN;
    return {
      topic,
      kind,
      active,
      utcTime: Number.isFinite(t) ? t : null,
      operation: msg?.attrs.PropertyOperation ?? '',
    };
  });
}
