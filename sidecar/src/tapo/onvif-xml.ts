/**
 * Reading ONVIF SOAP answers into a small element tree, on fast-xml-parser: its validator checks
 * that the document is well formed, its parser (order preserved, no value conversion) reads it.
 * Namespace prefixes are kept but lookups use local names (cameras pick their own prefixes).
 *
 * Hostile input: the parser expands no entity at all (`processEntities: false`), DOCTYPEs are
 * refused before parsing, size and nesting are bounded. The five predefined entities and
 * character references are decoded here, and nothing else is. Every failure is an XmlError.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XmlNode {
  /** Local name (without prefix). */
  name: string;
  prefix: string;
  /** Attributes by local name. */
  attrs: Record<string, string>;
  children: XmlNode[];
  /** Concatenated direct text content, trimmed. */
  text: string;
}

export class XmlError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'XmlError';
  }
}

/** Deepest element nesting accepted (SOAP answers are a dozen levels deep). */
const MAX_DEPTH = 100;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  cdataPropName: '#cdata',
  commentPropName: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: MAX_DEPTH,
});

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the predefined entities and character references; any other `&name;` stays as it is. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e] ?? m;
  });
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function splitName(qname: string): { prefix: string; name: string } {
  const i = qname.indexOf(':');
  return i < 0 ? { prefix: '', name: qname } : { prefix: qname.slice(0, i), name: qname.slice(i + 1) };
}

/** One entry of fast-xml-parser's ordered output: an element `{ tag: [...], ':@': attrs }`, `#text` or `#cdata`. */
type Ordered = Record<string, unknown>;

function toNode(entry: Ordered): XmlNode {
  const qname = Object.keys(entry).find((k) => k !== ':@')!;
  const { prefix, name } = splitName(qname);
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries((entry[':@'] ?? {}) as Record<string, string>)) {
    attrs[splitName(k).name] = decodeEntities(String(v));
  }
  const node: XmlNode = { name, prefix, attrs, children: [], text: '' };
  const texts: string[] = [];
  for (const c of entry[qname] as Ordered[]) {
    if ('#text' in c) {
      texts.push(decodeEntities(String(c['#text'])));
    } else if ('#cdata' in c) {
      texts.push(...(c['#cdata'] as Ordered[]).map((t) => String(t['#text'] ?? '')));
    } else {
      node.children.push(toNode(c));
    }
  }
  node.text = texts.join('').trim();
  return node;
}

/** Parses a document and returns its root element. Throws XmlError on malformed or refused input. */
export function parseXml(src: string, maxBytes = 4 * 1024 * 1024): XmlNode {
  if (src.length > maxBytes) {
    throw new XmlError(`XML document too large (${src.length} bytes)`);
  }
  if (/<!DOCTYPE/i.test(src)) {
    throw new XmlError('DOCTYPE and declarations are not accepted');
  }
  const valid = XMLValidator.validate(src);
  if (valid !== true) {
    throw new XmlError(`malformed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  }
  let doc: Ordered[];
  try {
    doc = parser.parse(src) as Ordered[];
  } catch (err) {
    throw new XmlError(`malformed XML: ${(err as Error).message}`, { cause: err });
  }
  // The parser drops text after the last tag; anything but markup there is text outside the root.
  if (
    !src.trimEnd().endsWith('>') ||
    doc.some((e) => '#cdata' in e || ('#text' in e && String(e['#text']).trim() !== ''))
  ) {
    throw new XmlError('text outside the root element');
  }
  const roots = doc.filter((e) => !('#text' in e) && !('#cdata' in e));
  if (roots.length !== 1) {
    throw new XmlError(roots.length === 0 ? 'no root element' : 'more than one root element');
  }
  return toNode(roots[0]!);
}

/** First direct child with this local name. */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c) => c.name === name);
}

/** Follows a path of local names through direct children. */
export function path(node: XmlNode | undefined, ...names: string[]): XmlNode | undefined {
  let cur = node;
  for (const nm of names) {
    cur = child(cur, nm);
  }
  return cur;
}

/** First descendant (depth first, including the node itself) with this local name. */
export function find(node: XmlNode | undefined, name: string): XmlNode | undefined {
  if (!node) {
    return undefined;
  }
  if (node.name === name) {
    return node;
  }
  for (const c of node.children) {
    const f = find(c, name);
    if (f) {
      return f;
    }
  }
  return undefined;
}

/** All descendants with this local name. */
export function findAll(node: XmlNode | undefined, name: string, out: XmlNode[] = []): XmlNode[] {
  if (!node) {
    return out;
  }
  if (node.name === name) {
    out.push(node);
  }
  for (const c of node.children) {
    findAll(c, name, out);
  }
  return out;
}
