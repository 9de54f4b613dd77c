/**
 * ONVIF motion and person events from a Tapo camera (port 2020, camera account), through a
 * PullPoint subscription: GetSystemDateAndTime (clock offset for the token), GetCapabilities (the
 * events address), CreatePullPointSubscription, then a PullMessages loop with Renew before expiry,
 * a new subscription when the camera forgets ours, and Unsubscribe on stop. Requests carry a
 * WS-UsernameToken with a password digest.
 *
 * Our own small SOAP client (node:http on a keep-alive agent, ./onvif-http.ts; envelopes and faults in ./onvif-soap.ts, answers read by
 * ./onvif-xml.ts on fast-xml-parser, notifications decoded by ./onvif-notifications.ts), not the
 * `onvif` npm package: that one's connect() walks media profiles we do not need, its pull timeout
 * is fixed at one minute (Tapo firmware drops pull connections after about ten seconds) and it
 * gives no handle on stopping.
 *
 * Tapo specifics handled here: every service lives at /onvif/service; the subscription address
 * names another port (1024+); the camera's clock may be off.
 */
import { TapoError } from './errors.ts';
import { parseNotifications, type OnvifEventKind, type OnvifNotification } from './onvif-notifications.ts';
import {
  ACTIONS,
  MAX_RESPONSE_BYTES,
  NS,
  isAuthFault,
  parseFault,
  soapEnvelope,
  usernameTokenXml,
  type SoapFault,
} from './onvif-soap.ts';
import { child, find, parseXml, XmlError, type XmlNode } from './onvif-xml.ts';
import { OnvifHttp, type OnvifHttpError } from './onvif-http.ts';
import { logger } from '../log.ts';

export const ONVIF_DEFAULT_PORT = 2020;

export type { OnvifEventKind } from './onvif-notifications.ts';

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

interface Subscription {
  address: string;
  /** Local epoch ms when the camera will drop it. */
  expiresAt: number;
}

export class OnvifEventClient {
  private readonly o: Required<Omit<OnvifClientOptions, 'onEvent' | 'onError' | 'onState'>> &
    Pick<OnvifClientOptions, 'onEvent' | 'onError' | 'onState'>;
  private _state: OnvifState = 'idle';
  private clockOffsetMs = 0;
  private eventsUrl: string | null = null;
  private sub: Subscription | null = null;
  private readonly open = new Map<OnvifEventKind, number>();
  /** Kinds this camera has sent a notification of (Initialized counts): the ones it pushes. */
  private readonly seen = new Set<OnvifEventKind>();
  private abort: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private stopping = false;
  private readonly counters = { subscriptions: 0, renewals: 0, pulls: 0, notifications: 0, events: 0, errors: 0 };
  private lastError: TapoError | null = null;
  private readonly log;
  /** One keep-alive pool per camera: the pull loop reuses its socket. */
  private readonly http = new OnvifHttp(MAX_RESPONSE_BYTES);

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
    this.http.close();
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
    const token = auth
      ? usernameTokenXml(this.o.username, this.o.password, new Date(Date.now() + this.clockOffsetMs))
      : '';
    const envelope = soapEnvelope(url, action, bodyXml, token);
    const ac = new AbortController();
    this.abort = ac;
    const timer = setTimeout(() => ac.abort(new Error('timeout')), timeoutMs);
    let status: number;
    let text: string;
    try {
      ({ status, text } = await this.http.post(
        url,
        { 'Content-Type': `application/soap+xml; charset=utf-8; action="${action}"` },
        envelope,
        ac.signal
      ));
    } catch (e) {
      if (this.stopping) {
        throw this.err('network', 'stopped');
      }
      if (ac.signal.aborted) {
        throw this.err('timeout', `no answer within ${timeoutMs} ms`);
      }
      const he = e as OnvifHttpError;
      if (he.code === 'TOO_LARGE') {
        throw this.err('protocol', he.message, he.status);
      }
      throw this.err('network', `cannot reach ${new URL(url).host}${he.code ? ` (${he.code})` : ''}`);
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

  /**
   * Whether the camera pushes this kind: motion always (every Tapo camera with ONVIF does, even
   * before the first pull has answered), the others once it has sent a notification of them.
   */
  delivers(kind: string): boolean {
    return kind === 'motion' || this.seen.has(kind as OnvifEventKind);
  }

  private handle(n: OnvifNotification): void {
    this.counters.notifications++;
    if (!n.kind || n.active === null) {
      return;
    }
    this.seen.add(n.kind);
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
