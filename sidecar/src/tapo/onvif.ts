/**
 * ONVIF motion and person events from a Tapo camera (port 2020, camera account), through a
 * PullPoint subscription: GetSystemDateAndTime (clock offset for the token), GetCapabilities (the
 * events address), CreatePullPointSubscription, then a PullMessages loop with Renew before expiry,
 * a new subscription when the camera forgets ours, and Unsubscribe on stop. Requests carry a
 * WS-UsernameToken with a password digest.
 *
 * Our own small SOAP client (fetch + ./onvif-xml.ts), not the `onvif` npm package: that one's
 * connect() walks media profiles we do not need, its pull timeout is fixed at one minute (Tapo
 * firmware drops pull connections after about ten seconds) and it gives no handle on stopping.
 *
 * Tapo specifics handled here: every service lives at /onvif/service; the subscription address
 * names another port (1024+); the camera's clock may be off; motion is
 * `tns1:RuleEngine/CellMotionDetector/Motion` (IsMotion) and people
 * `tns1:RuleEngine/PeopleDetector/People` (IsPeople; some firmware says CellMotionDetector/People).
 */
import { createHash, randomBytes } from 'node:crypto';
import { TapoError } from './errors.ts';
import { child, escapeXml, find, findAll, parseXml, path, XmlError, type XmlNode } from './onvif-xml.ts';
import { logger } from '../log.ts';

export const ONVIF_DEFAULT_PORT = 2020;

export type OnvifEventKind = 'motion' | 'person';

/** One motion/person event as the camera reported it: `start` arrives with end null, then the same start with an end. */
export interface OnvifEvent {
  kind: OnvifEventKind;
  phase: 'start' | 'end';
  /** Epoch ms (on our clock). */
  start: number;
  /** Epoch ms; null while the event lasts. */
  end: number | null;
}

export type OnvifState = 'idle' | 'connecting' | 'subscribed' | 'retrying' | 'stopped';

export interface OnvifClientOptions {
  host: string;
  port?: number;
  username: string;
  password: string;
  /** Device service path (default /onvif/device_service). */
  devicePath?: string;
  /** Used in log lines and errors. */
  cameraId?: string;
  /** PullMessages long-poll timeout in seconds (default 5: Tapo closes pulls after ~10 s). */
  pullTimeoutSec?: number;
  messageLimit?: number;
  /** Subscription lifetime asked for, seconds (default 60). */
  subscriptionSec?: number;
  /** Timeout of ordinary requests (default 10 s). */
  requestTimeoutMs?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** After an authentication failure, wait this long before trying again (default 5 min). */
  authRetryMs?: number;
  onEvent?: (event: OnvifEvent) => void;
  /** Failures (typed, secret-free). The client keeps retrying until stop(). */
  onError?: (err: TapoError) => void;
  onState?: (state: OnvifState) => void;
}

export interface OnvifStats {
  state: OnvifState;
  subscriptions: number;
  renewals: number;
  pulls: number;
  notifications: number;
  events: number;
  errors: number;
  lastError: string | null;
}

const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://www.w3.org/2005/08/addressing',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  digest: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest',
  b64: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  tev: 'http://www.onvif.org/ver10/events/wsdl',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
};

const ACTIONS = {
  createPullPoint: `${NS.tev}/EventPortType/CreatePullPointSubscriptionRequest`,
  pull: `${NS.tev}/PullPointSubscription/PullMessagesRequest`,
  renew: `${NS.wsnt.replace('/b-2', '/bw-2')}/SubscriptionManager/RenewRequest`,
  unsubscribe: `${NS.wsnt.replace('/b-2', '/bw-2')}/SubscriptionManager/UnsubscribeRequest`,
};

const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

/** WS-Security UsernameToken digest: Base64(SHA1(nonce + created + password)). */
export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

export function usernameTokenXml(username: string, password: string, now: Date, nonce = randomBytes(16)): string {
  const created = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return (
    `<wsse:Security s:mustUnderstand="1" xmlns:wsse="${NS.wsse}" xmlns:wsu="${NS.wsu}"><wsse:UsernameToken>` +
    `<wsse:Username>${escapeXml(username)}</wsse:Username>` +
    `<wsse:Password Type="${NS.digest}">${passwordDigest(nonce, created, password)}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${NS.b64}">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}

/** ISO 8601 duration (PT10S, PT1M, P0DT1H...) in ms; null when not a duration. */
export function parseDuration(s: string): number | null {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s.trim());
  if (!m || s.trim() === 'P' || s.trim() === 'PT') {
    return null;
  }
  return (
    ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 +
    Math.round(Number(m[4] ?? 0) * 1000)
  );
}

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

interface Subscription {
  address: string;
  /** Local epoch ms when the camera will drop it. */
  expiresAt: number;
}

interface SoapFault {
  code: string;
  subcode: string;
  reason: string;
}

function parseFault(body: XmlNode | undefined): SoapFault | null {
  const f = child(body, 'Fault');
  if (!f) {
    return null;
  }
  const code = path(f, 'Code', 'Value')?.text ?? child(f, 'faultcode')?.text ?? '';
  const subcode = find(path(f, 'Code', 'Subcode'), 'Value')?.text ?? '';
  const reason = path(f, 'Reason', 'Text')?.text ?? child(f, 'faultstring')?.text ?? '';
  return { code, subcode, reason };
}

function isAuthFault(f: SoapFault | null): boolean {
  return (
    !!f &&
    /NotAuthorized|FailedAuthentication|InvalidSecurity|Unauthorized|Sender not Authorized/i.test(
      `${f.subcode} ${f.reason} ${f.code}`
    )
  );
}

export class OnvifEventClient {
  private readonly o: Required<Omit<OnvifClientOptions, 'onEvent' | 'onError' | 'onState'>> &
    Pick<OnvifClientOptions, 'onEvent' | 'onError' | 'onState'>;
  private _state: OnvifState = 'idle';
  private clockOffsetMs = 0;
  private eventsUrl: string | null = null;
  private sub: Subscription | null = null;
  private readonly open = new Map<OnvifEventKind, number>();
  private abort: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private stopping = false;
  private readonly counters = { subscriptions: 0, renewals: 0, pulls: 0, notifications: 0, events: 0, errors: 0 };
  private lastError: TapoError | null = null;
  private readonly log;

  constructor(opts: OnvifClientOptions) {
    if (!opts.host || /[\s/@?#]/.test(opts.host)) {
      throw new TapoError('protocol', 'ONVIF: invalid camera host');
    }
    this.o = {
      port: ONVIF_DEFAULT_PORT,
      devicePath: '/onvif/device_service',
      cameraId: opts.host,
      pullTimeoutSec: 5,
      messageLimit: 32,
      subscriptionSec: 60,
      requestTimeoutMs: 10_000,
      retryInitialMs: 1000,
      retryMaxMs: 60_000,
      authRetryMs: 300_000,
      ...opts,
    };
    this.log = logger.child({ module: 'onvif', cameraId: this.o.cameraId });
  }

  get state(): OnvifState {
    return this._state;
  }

  stats(): OnvifStats {
    return { state: this._state, ...this.counters, lastError: this.lastError?.message ?? null };
  }

  /** Starts the subscription loop (idempotent). */
  start(): void {
    if (this.loop || this.stopping) {
      return;
    }
    this.loop = this.run();
  }

  /** Stops the loop, closes open events' bookkeeping, and unsubscribes (best effort, bounded). */
  async stop(): Promise<void> {
    if (this.stopping) {
      await this.loop;
      return;
    }
    this.stopping = true;
    this.abort?.abort();
    this.wake?.();
    await this.loop;
    const sub = this.sub;
    this.sub = null;
    if (sub) {
      try {
        await this.soap(sub.address, ACTIONS.unsubscribe, `<wsnt:Unsubscribe xmlns:wsnt="${NS.wsnt}"/>`, 2000);
      } catch {
        /* the camera forgets it at expiry anyway */
      }
    }
    this.setState('stopped');
  }

  private setState(s: OnvifState): void {
    if (this._state === s) {
      return;
    }
    this._state = s;
    this.o.onState?.(s);
  }

  private baseUrl(): string {
    const h = this.o.host.includes(':') && !this.o.host.startsWith('[') ? `[${this.o.host}]` : this.o.host;
    return `http://${h}:${this.o.port}`;
  }

  /** Cameras advertise addresses with their own idea of their IP: keep path and port, use our host. */
  private rebase(address: string): string {
    try {
      const u = new URL(address);
      const ours = new URL(this.baseUrl());
      u.hostname = ours.hostname;
      if (!u.port) {
        u.port = ours.port;
      }
      return u.toString();
    } catch {
      return new URL(address, this.baseUrl()).toString();
    }
  }

  private err(kind: ConstructorParameters<typeof TapoError>[0], msg: string, httpStatus?: number): TapoError {
    return new TapoError(kind, `ONVIF ${this.o.cameraId}: ${msg}`, httpStatus !== undefined ? { httpStatus } : {});
  }

  /** One SOAP 1.2 request; returns the Body element or throws a TapoError. */
  private async soap(url: string, action: string, bodyXml: string, timeoutMs: number, auth = true): Promise<XmlNode> {
    const header =
      (auth ? usernameTokenXml(this.o.username, this.o.password, new Date(Date.now() + this.clockOffsetMs)) : '') +
      `<wsa:Action s:mustUnderstand="1">${action}</wsa:Action><wsa:To s:mustUnderstand="1">${escapeXml(url)}</wsa:To>`;
    const envelope =
      `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${NS.soap}" xmlns:wsa="${NS.wsa}">` +
      `<s:Header>${header}</s:Header><s:Body>${bodyXml}</s:Body></s:Envelope>`;
    const ac = new AbortController();
    this.abort = ac;
    const timer = setTimeout(() => ac.abort(new Error('timeout')), timeoutMs);
    let status: number;
    let text: string;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': `application/soap+xml; charset=utf-8; action="${action}"` },
        body: envelope,
        signal: ac.signal,
      });
      status = res.status;
      const len = Number(res.headers.get('content-length') ?? 0);
      if (len > MAX_RESPONSE_BYTES) {
        throw this.err('protocol', `answer too large (${len} bytes)`, status);
      }
      text = await res.text();
    } catch (e) {
      if (e instanceof TapoError) {
        throw e;
      }
      if (this.stopping) {
        throw this.err('network', 'stopped');
      }
      if (ac.signal.aborted) {
        throw this.err('timeout', `no answer within ${timeoutMs} ms`);
      }
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      throw this.err('network', `cannot reach ${new URL(url).host}${cause ? ` (${cause})` : ''}`);
    } finally {
      clearTimeout(timer);
      if (this.abort === ac) {
        this.abort = null;
      }
    }
    let body: XmlNode | undefined;
    try {
      body = child(parseXml(text, MAX_RESPONSE_BYTES), 'Body');
    } catch (e) {
      if (status === 401 || status === 403) {
        throw this.err('auth_failed', 'the camera refused the camera account (HTTP 401)', status);
      }
      throw this.err(
        'protocol',
        `unreadable answer (HTTP ${status}${e instanceof XmlError ? `, ${e.message}` : ''})`,
        status
      );
    }
    const fault = parseFault(body);
    if (status === 401 || status === 403 || isAuthFault(fault)) {
      throw this.err(
        'auth_failed',
        'the camera refused the camera account (check its user name and password, and the camera clock)',
        status
      );
    }
    if (fault) {
      const what = [fault.subcode || fault.code, fault.reason].filter(Boolean).join(': ').slice(0, 200);
      const e = this.err(
        /ActionNotSupported|NotSupported/i.test(what) ? 'not_supported' : 'protocol',
        `fault ${what}`,
        status
      );
      throw Object.assign(e, { fault });
    }
    if (status !== 200 || !body) {
      throw this.err('protocol', `unexpected HTTP ${status}`, status);
    }
    return body;
  }

  private async syncClock(): Promise<void> {
    const body = await this.soap(
      `${this.baseUrl()}${this.o.devicePath}`,
      `${NS.tds}/GetSystemDateAndTime`,
      `<tds:GetSystemDateAndTime xmlns:tds="${NS.tds}"/>`,
      this.o.requestTimeoutMs,
      false
    );
    const utc = find(body, 'UTCDateTime');
    const d = child(utc, 'Date');
    const t = child(utc, 'Time');
    const num = (n: XmlNode | undefined, k: string) => Number(child(n, k)?.text);
    const ms = Date.UTC(
      num(d, 'Year'),
      num(d, 'Month') - 1,
      num(d, 'Day'),
      num(t, 'Hour'),
      num(t, 'Minute'),
      num(t, 'Second')
    );
    if (Number.isFinite(ms)) {
      this.clockOffsetMs = ms - Date.now();
    }
  }

  private async eventsAddress(): Promise<string> {
    const body = await this.soap(
      `${this.baseUrl()}${this.o.devicePath}`,
      `${NS.tds}/GetCapabilities`,
      `<tds:GetCapabilities xmlns:tds="${NS.tds}"><tds:Category>Events</tds:Category></tds:GetCapabilities>`,
      this.o.requestTimeoutMs
    );
    const events = find(body, 'Events');
    const xaddr = child(events, 'XAddr')?.text;
    if (!xaddr) {
      throw this.err('not_supported', 'the camera offers no ONVIF events service');
    }
    if (child(events, 'WSPullPointSupport')?.text === 'false') {
      throw this.err('not_supported', 'the camera does not support PullPoint subscriptions');
    }
    return this.rebase(xaddr);
  }

  /** Local expiry from the camera's CurrentTime/TerminationTime (immune to clock offset). */
  private expiry(body: XmlNode, fallbackMs: number): number {
    const cur = Date.parse(find(body, 'CurrentTime')?.text ?? '');
    const term = Date.parse(find(body, 'TerminationTime')?.text ?? '');
    return Date.now() + (Number.isFinite(cur) && Number.isFinite(term) ? Math.max(0, term - cur) : fallbackMs);
  }

  private async subscribe(): Promise<Subscription> {
    const ttl = `PT${this.o.subscriptionSec}S`;
    const body = await this.soap(
      this.eventsUrl!,
      ACTIONS.createPullPoint,
      `<tev:CreatePullPointSubscription xmlns:tev="${NS.tev}"><tev:InitialTerminationTime>${ttl}</tev:InitialTerminationTime></tev:CreatePullPointSubscription>`,
      this.o.requestTimeoutMs
    );
    const resp = child(body, 'CreatePullPointSubscriptionResponse');
    const address = find(child(resp, 'SubscriptionReference'), 'Address')?.text;
    if (!address) {
      throw this.err('protocol', 'CreatePullPointSubscription answered without an address');
    }
    this.counters.subscriptions++;
    return { address: this.rebase(address), expiresAt: this.expiry(body, this.o.subscriptionSec * 1000) };
  }

  private async renew(sub: Subscription): Promise<void> {
    const body = await this.soap(
      sub.address,
      ACTIONS.renew,
      `<wsnt:Renew xmlns:wsnt="${NS.wsnt}"><wsnt:TerminationTime>PT${this.o.subscriptionSec}S</wsnt:TerminationTime></wsnt:Renew>`,
      this.o.requestTimeoutMs
    );
    sub.expiresAt = this.expiry(body, this.o.subscriptionSec * 1000);
    this.counters.renewals++;
  }

  private async pull(sub: Subscription): Promise<void> {
    const body = await this.soap(
      sub.address,
      ACTIONS.pull,
      `<tev:PullMessages xmlns:tev="${NS.tev}"><tev:Timeout>PT${this.o.pullTimeoutSec}S</tev:Timeout><tev:MessageLimit>${this.o.messageLimit}</tev:MessageLimit></tev:PullMessages>`,
      this.o.pullTimeoutSec * 1000 + this.o.requestTimeoutMs
    );
    this.counters.pulls++;
    const resp = child(body, 'PullMessagesResponse');
    if (!resp) {
      throw this.err('protocol', 'PullMessages answered without a PullMessagesResponse');
    }
    if (find(resp, 'TerminationTime')) {
      sub.expiresAt = this.expiry(resp, sub.expiresAt - Date.now());
    }
    for (const n of parseNotifications(resp)) {
      this.handle(n);
    }
  }

  private handle(n: OnvifNotification): void {
    this.counters.notifications++;
    if (!n.kind || n.active === null) {
      return;
    }
    const now = Date.now();
    // Camera time on our clock; implausible stamps (a camera clock that is way off) fall back to now.
    let t = n.utcTime !== null ? n.utcTime - this.clockOffsetMs : now;
    if (Math.abs(t - now) > 10 * 60_000) {
      t = now;
    }
    const open = this.open.get(n.kind);
    if (n.active && open === undefined) {
      this.open.set(n.kind, t);
      this.emit({ kind: n.kind, phase: 'start', start: t, end: null });
    } else if (!n.active && open !== undefined) {
      this.open.delete(n.kind);
      this.emit({ kind: n.kind, phase: 'end', start: open, end: Math.max(t, open) });
    }
  }

  private emit(e: OnvifEvent): void {
    this.counters.events++;
    try {
      this.o.onEvent?.(e);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'ONVIF event consumer threw');
    }
  }

  private report(e: TapoError): void {
    this.counters.errors++;
    this.lastError = e;
    this.log.warn({ kind: e.kind, err: e.message }, 'ONVIF events failed');
    try {
      this.o.onError?.(e);
    } catch {
      /* a consumer's problem is not ours */
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    let backoff = this.o.retryInitialMs;
    while (!this.stopping) {
      try {
        this.setState('connecting');
        if (!this.eventsUrl) {
          try {
            await this.syncClock();
          } catch (e) {
            // Without the camera's time we use ours; auth may still work.
            if (this.stopping) {
              return;
            }
            this.log.debug({ err: (e as Error).message }, 'GetSystemDateAndTime failed');
          }
          this.eventsUrl = await this.eventsAddress();
        }
        this.sub = await this.subscribe();
        this.setState('subscribed');
        let pulled = false;
        while (!this.stopping && this.sub) {
          const sub = this.sub;
          const margin = Math.max(this.o.pullTimeoutSec * 1000 + 2000, (this.o.subscriptionSec * 1000) / 3);
          if (sub.expiresAt - Date.now() < margin) {
            try {
              await this.renew(sub);
            } catch (e) {
              if (this.stopping) {
                return;
              }
              if ((e as TapoError).kind === 'auth_failed') {
                throw e;
              }
              // Renew refused or the subscription is gone: start a new one.
              this.log.info({ err: (e as Error).message }, 'ONVIF renew failed; subscribing again');
              this.sub = null;
              break;
            }
          }
          try {
            await this.pull(sub);
            if (!pulled) {
              pulled = true;
              backoff = this.o.retryInitialMs;
            }
          } catch (e) {
            if (this.stopping) {
              return;
            }
            const te = e as TapoError;
            if (te.kind === 'auth_failed') {
              throw te;
            }
            // A fault means the camera no longer knows the subscription (expired, or rebooted).
            if ((te as TapoError & { fault?: SoapFault }).fault && pulled) {
              this.log.info({ err: te.message }, 'ONVIF subscription lost; subscribing again');
              this.sub = null;
              break;
            }
            throw te;
          }
        }
      } catch (e) {
        if (this.stopping) {
          return;
        }
        const te = e instanceof TapoError ? e : this.err('protocol', (e as Error).message ?? 'failed');
        this.sub = null;
        if (te.kind === 'network' || te.kind === 'timeout') {
          this.eventsUrl = null;
        } // the camera may have rebooted
        this.report(te);
        this.setState('retrying');
        const wait = te.kind === 'auth_failed' ? this.o.authRetryMs : backoff;
        if (te.kind !== 'auth_failed') {
          backoff = Math.min(this.o.retryMaxMs, backoff * 2);
        }
        await this.pause(wait);
      }
    }
  }
}
