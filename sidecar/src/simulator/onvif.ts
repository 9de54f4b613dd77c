/**
 * The simulated camera's ONVIF side, phrased like Tapo firmware (gSOAP envelopes): the device
 * service and every other service at /onvif/service on the ONVIF port, PullPoint subscriptions
 * whose addresses live on a second port (`http://IP:PORT/event-PORT_N`, as Tapo's 1024+ ports),
 * PullMessages as a long poll (capped at 10 s, as the cameras cut longer pulls), Renew,
 * Unsubscribe, subscription expiry, and WS-UsernameToken digest checks against the camera account.
 * Motion and person events come from the camera's `events` emitter ('motion' {kind,start,end}).
 *
 * This is the camera side: it shares no code with the client in ../tapo/onvif.ts.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { logger } from '../log.ts';
import { readLimitedBody } from './body.ts';
import type { EventKind } from '../../../src/shared/query.ts';
import { SIM_ONVIF_TOPICS } from './detections.ts';

export interface SimMotionEvent {
  kind: EventKind;
  start: number;
  end: number | null;
}

export interface SimOnvifOptions {
  name: string;
  username: string;
  password: string;
  /** Emits 'motion' with SimMotionEvent: once with end null when it starts, again with end set. */
  events: EventEmitter;
  host?: string;
  /** ONVIF port (Tapo: 2020); 0 picks a free one. */
  port?: number;
  /** Port for subscription addresses (Tapo: 1024+); 0 picks a free one. */
  eventPort?: number;
  model?: string;
  firmware?: string;
  /** The camera clock is this far from ours (ms). */
  clockOffsetMs?: number;
  maxSubscriptions?: number;
  /** Longest PullMessages wait (ms): Tapo answers/cuts after about 10 s. */
  maxPullWaitMs?: number;
  /** Longest subscription lifetime granted (s). */
  maxTerminationSec?: number;
  /** Messages kept per subscription; older ones are dropped. */
  queueLimit?: number;
  /** The detections it pushes (default motion and person); others reach a client as the last alarm. */
  kinds?: readonly EventKind[];
}

export interface SimOnvifServer {
  readonly port: number;
  readonly eventPort: number;
  /** 'subscribe' {id}, 'renew' {id}, 'unsubscribe' {id}, 'expire' {id}, 'pull' {id, count}, 'authFailure' {op}. */
  readonly events: EventEmitter;
  deviceUrl(): string;
  subscriptionCount(): number;
  /** Connections accepted so far, on both ports (kept-alive requests share one). */
  connectionCount(): number;
  /** 'close' listeners on the open connections' sockets, in all (a per-request one would pile up). */
  socketCloseListeners(): number;
  /** Forgets every subscription now, as expiry or a reboot would. */
  expireAll(): void;
  close(): Promise<void>;
}

const log = logger.child({ module: 'sim-onvif' });

const MAX_BODY = 64 * 1024;
const DIALECT = 'http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet';
const ENVELOPE_NS = [
  'xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"',
  'xmlns:SOAP-ENC="http://www.w3.org/2003/05/soap-encoding"',
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
  'xmlns:xsd="http://www.w3.org/2001/XMLSchema"',
  'xmlns:wsa5="http://www.w3.org/2005/08/addressing"',
  'xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"',
  'xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"',
  'xmlns:wstop="http://docs.oasis-open.org/wsn/t-1"',
  'xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"',
  'xmlns:wsrfr="http://docs.oasis-open.org/wsrf/r-2"',
  'xmlns:tt="http://www.onvif.org/ver10/schema"',
  'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"',
  'xmlns:tev="http://www.onvif.org/ver10/events/wsdl"',
  'xmlns:ter="http://www.onvif.org/ver10/error"',
  'xmlns:tns1="http://www.onvif.org/ver10/topics"',
].join(' ');

type OnvifKind = keyof typeof SIM_ONVIF_TOPICS;
const ONVIF_KINDS = Object.keys(SIM_ONVIF_TOPICS) as OnvifKind[];

interface Message {
  kind: OnvifKind;
  active: boolean;
  /** Camera clock, epoch ms. */
  time: number;
  operation: 'Initialized' | 'Changed';
}

/** The RuleEngine topic tree of the pushed kinds, as GetEventProperties declares it. */
function topicSet(kinds: readonly OnvifKind[]): string {
  const groups = new Map<string, Set<string>>();
  for (const k of kinds) {
    const [group, leaf] = SIM_ONVIF_TOPICS[k]!.topic.replace('tns1:RuleEngine/', '').split('/') as [string, string];
    groups.set(group, (groups.get(group) ?? new Set()).add(leaf));
  }
  return [...groups]
    .map(([g, leaves]) => `<${g}>${[...leaves].map((l) => `<${l} wstop:topic="true"/>`).join('')}</${g}>`)
    .join('');
}

interface Sub {
  id: number;
  /** Our clock, epoch ms. */
  expiresAt: number;
  queue: Message[];
  waiter: { limit: number; flush: () => void } | null;
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function xmlUnescape(s: string): string {
  return s.replace(
    /&(lt|gt|amp|quot|apos);/g,
    (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e]!
  );
}

/** Text of the first element with this local name (any prefix), or undefined. */
function tag(xml: string, local: string): string | undefined {
  const m = new RegExp(`<(?:[\\w.-]+:)?${local}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${local}\\s*>`).exec(xml);
  return m ? xmlUnescape(m[1].trim()) : undefined;
}

/** The first element inside the SOAP Body: the operation. */
function operation(xml: string): string | undefined {
  const m = /<(?:[\w.-]+:)?Body(?:\s[^>]*)?>\s*<(?:[\w.-]+:)?([A-Za-z]+)/.exec(xml);
  return m?.[1];
}

function durationMs(s: string | undefined): number | null {
  if (!s) {
    return null;
  }
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s.trim());
  if (m && s.trim() !== 'P' && s.trim() !== 'PT') {
    return (
      ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 +
      Math.round(Number(m[4] ?? 0) * 1000)
    );
  }
  return null;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export async function startSimOnvifServer(opts: SimOnvifOptions): Promise<SimOnvifServer> {
  const host = opts.host ?? '127.0.0.1';
  const maxSubs = opts.maxSubscriptions ?? 4;
  const maxPullWait = opts.maxPullWaitMs ?? 10_000;
  const maxTermMs = (opts.maxTerminationSec ?? 600) * 1000;
  const queueLimit = opts.queueLimit ?? 64;
  const offset = opts.clockOffsetMs ?? 0;
  const camNow = () => Date.now() + offset;
  const events = new EventEmitter();
  const subs = new Map<number, Sub>();
  const pushed = ONVIF_KINDS.filter((k) => (opts.kinds ?? ['motion', 'person']).includes(k));
  const active = new Map<OnvifKind, boolean>(pushed.map((k) => [k, false]));
  let nextId = 1;
  const sockets = new Set<Socket>();

  // --- camera events into subscriptions ------------------------------------------------------

  const onMotion = (ev: SimMotionEvent) => {
    // Sound detections, rings and packages have no ONVIF topic: they reach a client as the last alarm.
    const kind = ev.kind as OnvifKind;
    if (!active.has(kind)) {
      return;
    }
    const isActive = ev.end === null;
    if (active.get(kind) === isActive) {
      return;
    }
    active.set(kind, isActive);
    const msg: Message = {
      kind,
      active: isActive,
      time: (isActive ? ev.start : ev.end!) + offset,
      operation: 'Changed',
    };
    for (const s of subs.values()) {
      push(s, msg);
    }
  };
  opts.events.on('motion', onMotion);

  function push(s: Sub, msg: Message): void {
    s.queue.push(msg);
    if (s.queue.length > queueLimit) {
      s.queue.shift();
    }
    s.waiter?.flush();
  }

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const s of subs.values()) {
      if (s.expiresAt <= now) {
        drop(s, 'expire');
      }
    }
  }, 250);
  sweep.unref();

  function drop(s: Sub, why: 'expire' | 'unsubscribe'): void {
    if (!subs.delete(s.id)) {
      return;
    }
    s.waiter?.flush();
    events.emit(why, { id: s.id });
  }

  // --- SOAP ---------------------------------------------------------------------------------

  function envelope(action: string, body: string): string {
    return (
      `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope ${ENVELOPE_NS}>` +
      `<SOAP-ENV:Header><wsa5:Action SOAP-ENV:mustUnderstand="true">${action}</wsa5:Action></SOAP-ENV:Header>` +
      `<SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n`
    );
  }

  function reply(res: ServerResponse, status: number, xml: string): void {
    if (res.writableEnded || res.destroyed) {
      return;
    }
    res.writeHead(status, {
      'Content-Type': 'application/soap+xml; charset=utf-8',
      'Content-Length': Buffer.byteLength(xml),
    });
    res.end(xml);
  }

  function fault(
    res: ServerResponse,
    status: number,
    code: 'Sender' | 'Receiver',
    subcode: string,
    reason: string
  ): void {
    reply(
      res,
      status,
      envelope(
        'http://www.w3.org/2005/08/addressing/soap/fault',
        `<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:${code}</SOAP-ENV:Value><SOAP-ENV:Subcode><SOAP-ENV:Value>${subcode}</SOAP-ENV:Value></SOAP-ENV:Subcode></SOAP-ENV:Code>` +
          `<SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">${xmlEscape(reason)}</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>`
      )
    );
  }

  /** WS-UsernameToken PasswordDigest (or PasswordText) against the camera account. */
  function authorized(xml: string): boolean {
    const user = tag(xml, 'Username');
    const pass = tag(xml, 'Password');
    if (user === undefined || pass === undefined) {
      return false;
    }
    if (user !== opts.username) {
      return false;
    }
    const typeMatch = /<(?:[\w.-]+:)?Password\s[^>]*Type="([^"]*)"/.exec(xml);
    if (typeMatch && /PasswordText$/.test(typeMatch[1])) {
      return pass === opts.password;
    }
    const nonce = tag(xml, 'Nonce');
    const created = tag(xml, 'Created');
    if (nonce === undefined || created === undefined) {
      return false;
    }
    const expected = createHash('sha1')
      .update(
        Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created, 'utf8'), Buffer.from(opts.password, 'utf8')])
      )
      .digest('base64');
    return expected === pass;
  }

  function notification(m: Message): string {
    const t = SIM_ONVIF_TOPICS[m.kind]!;
    return (
      `<wsnt:NotificationMessage><wsnt:Topic Dialect="${DIALECT}">${t.topic}</wsnt:Topic><wsnt:Message>` +
      `<tt:Message UtcTime="${iso(m.time)}" PropertyOperation="${m.operation}"><tt:Source>` +
      `<tt:SimpleItem Name="VideoSourceConfigurationToken" Value="vsconf"/>` +
      `<tt:SimpleItem Name="VideoAnalyticsConfigurationToken" Value="VideoAnalyticsToken"/>` +
      `<tt:SimpleItem Name="Rule" Value="${t.rule}"/></tt:Source>` +
      `<tt:Data><tt:SimpleItem Name="${t.item}" Value="${m.active ? 'true' : 'false'}"/></tt:Data>` +
      `</tt:Message></wsnt:Message></wsnt:NotificationMessage>`
    );
  }

  function serviceUrl(): string {
    return `http://${host}:${port}/onvif/service`;
  }

  function subAddress(s: Sub): string {
    return `http://${host}:${eventPort}/event-${eventPort}_${s.id}`;
  }

  function terminationFrom(xml: string, element: string, fallbackMs: number): number {
    const v = tag(xml, element);
    const dur = durationMs(v);
    let ms = dur ?? (v && Number.isFinite(Date.parse(v)) ? Date.parse(v) - camNow() : fallbackMs);
    if (!Number.isFinite(ms) || ms <= 0) {
      ms = fallbackMs;
    }
    return Math.min(ms, maxTermMs);
  }

  function handleDevice(op: string, xml: string, res: ServerResponse): void {
    const tds = 'http://www.onvif.org/ver10/device/wsdl';
    switch (op) {
      case 'GetSystemDateAndTime': {
        const d = new Date(camNow());
        const body =
          `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>` +
          `<tt:TimeZone><tt:TZ>UTC+00:00</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
          `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`;
        return reply(res, 200, envelope(`${tds}/GetSystemDateAndTimeResponse`, body));
      }
      case 'GetCapabilities': {
        const body =
          `<tds:GetCapabilitiesResponse><tds:Capabilities>` +
          `<tt:Device><tt:XAddr>http://${host}:${port}/onvif/device_service</tt:XAddr></tt:Device>` +
          `<tt:Events><tt:XAddr>${serviceUrl()}</tt:XAddr><tt:WSSubscriptionPolicySupport>true</tt:WSSubscriptionPolicySupport>` +
          `<tt:WSPullPointSupport>true</tt:WSPullPointSupport><tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>` +
          `<tt:Media><tt:XAddr>${serviceUrl()}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>` +
          `</tds:Capabilities></tds:GetCapabilitiesResponse>`;
        return reply(res, 200, envelope(`${tds}/GetCapabilitiesResponse`, body));
      }
      case 'GetServices': {
        const svc = (ns: string, major: number, minor: number) =>
          `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${serviceUrl()}</tds:XAddr><tds:Version><tt:Major>${major}</tt:Major><tt:Minor>${minor}</tt:Minor></tds:Version></tds:Service>`;
        const body =
          `<tds:GetServicesResponse>` +
          svc(tds, 2, 40) +
          svc('http://www.onvif.org/ver10/media/wsdl', 2, 40) +
          svc('http://www.onvif.org/ver10/events/wsdl', 2, 40) +
          `</tds:GetServicesResponse>`;
        return reply(res, 200, envelope(`${tds}/GetServicesResponse`, body));
      }
      case 'GetDeviceInformation': {
        const body =
          `<tds:GetDeviceInformationResponse><tds:Manufacturer>tp-link</tds:Manufacturer><tds:Model>${xmlEscape(opts.model ?? 'C210')}</tds:Model>` +
          `<tds:FirmwareVersion>${xmlEscape(opts.firmware ?? '1.4.3 Build 241010 Rel.33858n')}</tds:FirmwareVersion><tds:SerialNumber>00000000</tds:SerialNumber><tds:HardwareId>2.0</tds:HardwareId></tds:GetDeviceInformationResponse>`;
        return reply(res, 200, envelope(`${tds}/GetDeviceInformationResponse`, body));
      }
      case 'CreatePullPointSubscription': {
        if (subs.size >= maxSubs) {
          return fault(res, 400, 'Receiver', 'ter:Action', 'too many subscriptions');
        }
        const ttl = terminationFrom(xml, 'InitialTerminationTime', 60_000);
        const s: Sub = { id: nextId++, expiresAt: Date.now() + ttl, queue: [], waiter: null };
        subs.set(s.id, s);
        // The current state first, as cameras do for property events.
        for (const kind of pushed) {
          s.queue.push({ kind, active: active.get(kind)!, time: camNow(), operation: 'Initialized' });
        }
        events.emit('subscribe', { id: s.id });
        const body =
          `<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference><wsa5:Address>${subAddress(s)}</wsa5:Address></tev:SubscriptionReference>` +
          `<wsnt:CurrentTime>${iso(camNow())}</wsnt:CurrentTime><wsnt:TerminationTime>${iso(s.expiresAt + offset)}</wsnt:TerminationTime></tev:CreatePullPointSubscriptionResponse>`;
        return reply(
          res,
          200,
          envelope('http://www.onvif.org/ver10/events/wsdl/EventPortType/CreatePullPointSubscriptionResponse', body)
        );
      }
      case 'GetEventProperties': {
        const body =
          `<tev:GetEventPropertiesResponse><tev:TopicNamespaceLocation>http://www.onvif.org/onvif/ver10/topics/topicns.xml</tev:TopicNamespaceLocation>` +
          `<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet><wstop:TopicSet><tns1:RuleEngine>` +
          topicSet(pushed) +
          `</tns1:RuleEngine></wstop:TopicSet></tev:GetEventPropertiesResponse>`;
        return reply(
          res,
          200,
          envelope('http://www.onvif.org/ver10/events/wsdl/EventPortType/GetEventPropertiesResponse', body)
        );
      }
      default:
        return fault(res, 400, 'Sender', 'ter:ActionNotSupported', `${op} is not supported`);
    }
  }

  function handleSubscription(id: number, op: string, xml: string, res: ServerResponse): void {
    const s = subs.get(id);
    if (!s) {
      return fault(res, 400, 'Sender', 'wsrf-rw:ResourceUnknownFault', 'no such subscription');
    }
    switch (op) {
      case 'PullMessages': {
        const limit = Math.max(1, Math.min(1000, Number(tag(xml, 'MessageLimit') ?? 10) || 10));
        const wait = Math.min(durationMs(tag(xml, 'Timeout')) ?? 10_000, maxPullWait);
        const answer = () => {
          clearTimeout(timer);
          if (s.waiter === waiter) {
            s.waiter = null;
          }
          const msgs = s.queue.splice(0, limit);
          events.emit('pull', { id: s.id, count: msgs.length });
          const body =
            `<tev:PullMessagesResponse><tev:CurrentTime>${iso(camNow())}</tev:CurrentTime><tev:TerminationTime>${iso(s.expiresAt + offset)}</tev:TerminationTime>` +
            msgs.map(notification).join('') +
            `</tev:PullMessagesResponse>`;
          reply(
            res,
            200,
            envelope('http://www.onvif.org/ver10/events/wsdl/PullPointSubscription/PullMessagesResponse', body)
          );
        };
        const waiter = { limit, flush: answer };
        const timer = setTimeout(answer, wait);
        if (s.queue.length > 0) {
          return answer();
        }
        // One pull at a time per subscription: a newer pull answers the older one.
        s.waiter?.flush();
        s.waiter = waiter;
        // On the response, not the socket: a kept-alive socket carries many pulls, and a listener
        // per pull on it would pile up (the response's goes with it).
        res.once('close', () => {
          clearTimeout(timer);
          if (s.waiter === waiter) {
            s.waiter = null;
          }
        });
        return;
      }
      case 'Renew': {
        s.expiresAt = Date.now() + terminationFrom(xml, 'TerminationTime', 60_000);
        events.emit('renew', { id: s.id });
        const body = `<wsnt:RenewResponse><wsnt:TerminationTime>${iso(s.expiresAt + offset)}</wsnt:TerminationTime><wsnt:CurrentTime>${iso(camNow())}</wsnt:CurrentTime></wsnt:RenewResponse>`;
        return reply(res, 200, envelope('http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/RenewResponse', body));
      }
      case 'Unsubscribe': {
        drop(s, 'unsubscribe');
        return reply(
          res,
          200,
          envelope(
            'http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/UnsubscribeResponse',
            '<wsnt:UnsubscribeResponse/>'
          )
        );
      }
      default:
        return fault(res, 400, 'Sender', 'ter:ActionNotSupported', `${op} is not supported on a subscription`);
    }
  }

  function onRequest(kind: 'onvif' | 'events', req: IncomingMessage, res: ServerResponse): void {
    readLimitedBody(req, MAX_BODY, (body) => {
      try {
        const xml = body.toString('utf8');
        const url = req.url ?? '/';
        if (req.method !== 'POST') {
          return fault(res, 405, 'Sender', 'ter:InvalidArgVal', 'POST SOAP requests only');
        }
        const op = operation(xml);
        if (!op) {
          return fault(res, 400, 'Sender', 'ter:WellFormed', 'not a SOAP request');
        }
        if (!(kind === 'onvif' && op === 'GetSystemDateAndTime') && !authorized(xml)) {
          events.emit('authFailure', { op });
          return fault(res, 400, 'Sender', 'ter:NotAuthorized', 'Sender not Authorized');
        }
        if (kind === 'onvif') {
          if (url !== '/onvif/device_service' && url !== '/onvif/service') {
            return fault(res, 404, 'Sender', 'ter:InvalidArgVal', 'no such service');
          }
          return handleDevice(op, xml, res);
        }
        const m = /^\/event-\d+_(\d+)$/.exec(url);
        if (!m) {
          return fault(res, 400, 'Sender', 'wsrf-rw:ResourceUnknownFault', 'no such subscription');
        }
        return handleSubscription(Number(m[1]), op, xml, res);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'ONVIF request failed');
        fault(res, 500, 'Receiver', 'ter:Action', 'internal error');
      }
    });
  }

  let connections = 0;
  const track = (srv: http.Server) =>
    srv.on('connection', (s: Socket) => {
      connections++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
  const main = track(http.createServer((req, res) => onRequest('onvif', req, res)));
  const ev = track(http.createServer((req, res) => onRequest('events', req, res)));
  const listen = (srv: http.Server, p: number) =>
    new Promise<number>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(p, host, () => {
        srv.off('error', reject);
        resolve((srv.address() as AddressInfo).port);
      });
    });
  const port = await listen(main, opts.port ?? 0);
  let eventPort: number;
  try {
    eventPort = await listen(ev, opts.eventPort ?? 0);
  } catch (e) {
    main.close();
    throw e;
  }

  return {
    port,
    eventPort,
    events,
    deviceUrl: () => `http://${host}:${port}/onvif/device_service`,
    subscriptionCount: () => subs.size,
    connectionCount: () => connections,
    socketCloseListeners: () => [...sockets].reduce((n, s) => n + s.listenerCount('close'), 0),
    expireAll() {
      for (const s of [...subs.values()]) {
        drop(s, 'expire');
      }
    },
    async close() {
      clearInterval(sweep);
      opts.events.off('motion', onMotion);
      for (const s of [...subs.values()]) {
        drop(s, 'unsubscribe');
      }
      const closed = Promise.all([main, ev].map((srv) => new Promise<void>((r) => srv.close(() => r()))));
      for (const s of sockets) {
        s.destroy();
      }
      await closed;
    },
  };
}
