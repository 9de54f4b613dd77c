/**
 * A small, strict-enough XML reader for ONVIF SOAP answers: elements, attributes, text, CDATA,
 * comments and the predefined/numeric entities. Namespace prefixes are kept but lookups use local
 * names (cameras pick their own prefixes). DOCTYPEs are refused (no entity expansion tricks).
 */

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
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

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

const NAME = /[^\s/>=]+/y;
const ATTR = /\s*([^\s/>=]+)\s*=\s*("([^"]*)"|'([^']*)')/y;

/** Parses a document and returns its root element. Throws XmlError on malformed input. */
export function parseXml(src: string, maxBytes = 4 * 1024 * 1024): XmlNode {
  if (src.length > maxBytes) {
    throw new XmlError(`XML document too large (${src.length} bytes)`);
  }
  const stack: XmlNode[] = [];
  const texts: string[][] = [];
  let root: XmlNode | null = null;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const lt = src.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i && stack.length > 0) {
      texts[texts.length - 1].push(decodeEntities(src.slice(i, textEnd)));
    } else if (textEnd > i && src.slice(i, textEnd).trim() !== '') {
      throw new XmlError('text outside the root element');
    }
    if (lt < 0) {
      break;
    }
    i = lt;
    if (src.startsWith('<?', i)) {
      const e = src.indexOf('?>', i);
      if (e < 0) {
        throw new XmlError('unterminated processing instruction');
      }
      i = e + 2;
      continue;
    }
    if (src.startsWith('<!--', i)) {
      const e = src.indexOf('-->', i);
      if (e < 0) {
        throw new XmlError('unterminated comment');
      }
      i = e + 3;
      continue;
    }
    if (src.startsWith('<![CDATA[', i)) {
      const e = src.indexOf(']]>', i);
      if (e < 0) {
        throw new XmlError('unterminated CDATA');
      }
      if (stack.length === 0) {
        throw new XmlError('CDATA outside the root element');
      }
      texts[texts.length - 1].push(src.slice(i + 9, e));
      i = e + 3;
      continue;
    }
    if (src.startsWith('<!', i)) {
      throw new XmlError('DOCTYPE and declarations are not accepted');
    }
    if (src.startsWith('</', i)) {
      const e = src.indexOf('>', i);
      if (e < 0) {
        throw new XmlError('unterminated end tag');
      }
      const qname = src.slice(i + 2, e).trim();
      const node = stack.pop();
      const t = texts.pop();
      if (!node || !t) {
        throw new XmlError(`unexpected end tag </${qname}>`);
      }
      const { prefix, name } = splitName(qname);
      if (name !== node.name || prefix !== node.prefix) {
        throw new XmlError(`mismatched end tag </${qname}>`);
      }
      node.text = t.join('').trim();
      i = e + 1;
      if (stack.length === 0) {
        root = node;
      }
      continue;
    }
    NAME.lastIndex = i + 1;
    const nm = NAME.exec(src);
    if (!nm) {
      throw new XmlError('malformed start tag');
    }
    const { prefix, name } = splitName(nm[0]);
    const node: XmlNode = { name, prefix, attrs: {}, children: [], text: '' };
    let j = NAME.lastIndex;
    for (;;) {
      ATTR.lastIndex = j;
      const a = ATTR.exec(src);
      if (!a) {
        break;
      }
      node.attrs[splitName(a[1]).name] = decodeEntities(a[3] ?? a[4] ?? '');
      j = ATTR.lastIndex;
    }
    while (j < n && /\s/.test(src[j])) {
      j++;
    }
    let selfClosing = false;
    if (src[j] === '/' && src[j + 1] === '>') {
      selfClosing = true;
      j += 2;
    } else if (src[j] === '>') {
      j += 1;
    } else {
      throw new XmlError(`malformed start tag <${nm[0]}>`);
    }
    if (stack.length > 0) {
      stack[stack.length - 1].children.push(node);
    } else if (root) {
      throw new XmlError('more than one root element');
    }
    if (selfClosing) {
      if (stack.length === 0) {
        root = node;
      }
    } else {
      if (stack.length >= 100) {
        throw new XmlError('XML nested too deeply');
      }
      stack.push(node);
      texts.push([]);
    }
    i = j;
  }
  if (stack.length > 0) {
    throw new XmlError(`unclosed element <${stack[stack.length - 1].name}>`);
  }
  if (!root) {
    throw new XmlError('no root element');
  }
  return root;
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
