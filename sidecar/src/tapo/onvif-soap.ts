/**
 * The SOAP side of ONVIF as Tapo cameras speak it: namespaces and actions, the envelope with its
 * WS-Addressing header and WS-UsernameToken (password digest), SOAP faults (and which of them mean
 * a refused camera account), and ISO 8601 durations.
 */
import { createHash, randomBytes } from 'node:crypto';
import { child, escapeXml, find, path, type XmlNode } from './onvif-xml.ts';

export const NS = {
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

export const ACTIONS = {
  createPullPoint: `${NS.tev}/EventPortType/CreatePullPointSubscriptionRequest`,
  pull: `${NS.tev}/PullPointSubscription/PullMessagesRequest`,
  renew: `${NS.wsnt.replace('/b-2', '/bw-2')}/SubscriptionManager/RenewRequest`,
  unsubscribe: `${NS.wsnt.replace('/b-2', '/bw-2')}/SubscriptionManager/UnsubscribeRequest`,
};

/** The largest answer read (a PullMessagesResponse of many notifications stays far below). */
export const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

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

/** A SOAP 1.2 envelope for `url` and `action`, with a UsernameToken when `token` is given. */
export function soapEnvelope(url: string, action: string, bodyXml: string, token: string): string {
  const header =
    token +
    `<wsa:Action s:mustUnderstand="1">${action}</wsa:Action><wsa:To s:mustUnderstand="1">${escapeXml(url)}</wsa:To>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${NS.soap}" xmlns:wsa="${NS.wsa}">` +
    `<s:Header>${header}</s:Header><s:Body>${bodyXml}</s:Body></s:Envelope>`
  );
}

export interface SoapFault {
  code: string;
  subcode: string;
  reason: string;
}

export function parseFault(body: XmlNode | undefined): SoapFault | null {
  const f = child(body, 'Fault');
  if (!f) {
    return null;
  }
  const code = path(f, 'Code', 'Value')?.text ?? child(f, 'faultcode')?.text ?? '';
  const subcode = find(path(f, 'Code', 'Subcode'), 'Value')?.text ?? '';
  const reason = path(f, 'Reason', 'Text')?.text ?? child(f, 'faultstring')?.text ?? '';
  return { code, subcode, reason };
}

export function isAuthFault(f: SoapFault | null): boolean {
  return (
    !!f &&
    /NotAuthorized|FailedAuthentication|InvalidSecurity|Unauthorized|Sender not Authorized/i.test(
      `${f.subcode} ${f.reason} ${f.code}`
    )
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
