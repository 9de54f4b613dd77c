/**
 * ONVIF notifications as Tapo cameras send them: motion is
 * `tns1:RuleEngine/CellMotionDetector/Motion` (IsMotion), people
 * `tns1:RuleEngine/PeopleDetector/People` (IsPeople; some firmware says CellMotionDetector/People),
 * older firmware `tns1:VideoSource/MotionAlarm` (State).
 */
import { child, findAll, type XmlNode } from './onvif-xml.ts';

export type OnvifEventKind = 'motion' | 'person';

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

function topicKind(topic: string): { kind: OnvifEventKind; item: string[] } | null {
  const t = topic.replace(/^[A-Za-z0-9_]+:/, '');
  if (/(^|\/)CellMotionDetector\/Motion$/.test(t)) {
    return { kind: 'motion', item: ['IsMotion'] };
  }
  if (/(^|\/)(PeopleDetector|CellMotionDetector)\/People$/.test(t)) {
    return { kind: 'person', item: ['IsPeople'] };
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
    const data = child(msg, 'Data');
    for (const item of data ? findAll(data, 'SimpleItem') : []) {
      const name = item.attrs.Name ?? '';
      if (known ? known.item.includes(name) : /^(Is[A-Z]\w*|State)$/.test(name)) {
        const v = (item.attrs.Value ?? '').toLowerCase();
        active = v === 'true' || v === '1';
      }
    }
    const t = msg?.attrs.UtcTime ? Date.parse(msg.attrs.UtcTime) : NaN;
    return {
      topic,
      kind: known?.kind ?? null,
      active,
      utcTime: Number.isFinite(t) ? t : null,
      operation: msg?.attrs.PropertyOperation ?? '',
    };
  });
}
