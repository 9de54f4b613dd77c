/**
 * Key-path shapes of JSON answers, and of the zod schemas our decoders read, so tests can compare
 * the simulator, the decoders and real firmware answers path by path. Also finds the real C210
 * answers kept as a fixture in `test/fixtures/reference/`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';

export type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';

/** path → the JSON types seen there. Array elements are `path[]`; object keys are `path.key`. */
export type Shape = Map<string, Set<JsonType>>;

function typeOf(v: unknown): JsonType {
  if (v === null) {
    return 'null';
  }
  if (Array.isArray(v)) {
    return 'array';
  }
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'object') {
    return t;
  }
  throw new Error(`not JSON: ${t}`);
}

export function shapeOf(value: unknown): Shape {
  const out: Shape = new Map();
  const add = (path: string, v: unknown) => {
    const t = typeOf(v);
    const set = out.get(path) ?? new Set<JsonType>();
    set.add(t);
    out.set(path, set);
    if (t === 'object') {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
        add(path === '' ? k : `${path}.${k}`, child);
      }
    } else if (t === 'array') {
      for (const el of v as unknown[]) {
        add(`${path}[]`, el);
      }
    }
  };
  add('', value);
  out.delete('');
  return out;
}

/** Paths of arrays that are empty in `shape` (their element paths cannot be compared). */
export function emptyArrays(shape: Shape): string[] {
  return [...shape.entries()]
    .filter(([p, types]) => types.has('array') && ![...shape.keys()].some((q) => q.startsWith(`${p}[]`)))
    .map(([p]) => p);
}

/** Human-readable differences between a reference shape and an actual one ("" when equal). */
export function shapeDiff(reference: Shape, actual: Shape, opts: { allowExtraUnder?: string[] } = {}): string[] {
  const out: string[] = [];
  for (const [p, types] of reference) {
    const got = actual.get(p);
    if (!got) {
      out.push(`missing ${p} (${[...types].join('|')})`);
    } else if ([...types].some((t) => !got.has(t)) || [...got].some((t) => !types.has(t))) {
      out.push(`type of ${p}: real ${[...types].join('|')}, simulated ${[...got].join('|')}`);
    }
  }
  const allowed = opts.allowExtraUnder ?? [];
  for (const p of actual.keys()) {
    if (!reference.has(p) && !allowed.some((a) => p.startsWith(`${a}[]`))) {
      out.push(`extra ${p}`);
    }
  }
  return out;
}

/** One path a decoder reads; `*` stands for any key (records), `[]` for array elements. */
export interface ReadPath {
  path: string;
  optional: boolean;
}

interface ZodInternals {
  _zod: { def: Record<string, unknown> & { type: string } };
}

/** Every path a zod schema reads (objects, arrays, records, optionals, transforms). */
export function schemaPaths(schema: z.ZodType): ReadPath[] {
  const out: ReadPath[] = [];
  const walk = (s: unknown, path: string, optional: boolean) => {
    const def = (s as ZodInternals)._zod.def;
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
        return walk(def.innerType, path, true);
      case 'pipe':
        return walk(def.in, path, optional);
      case 'object':
        if (path !== '') {
          out.push({ path, optional });
        }
        for (const [k, child] of Object.entries(def.shape as Record<string, unknown>)) {
          walk(child, path === '' ? k : `${path}.${k}`, optional);
        }
        return;
      case 'array':
        out.push({ path, optional });
        return walk(def.element, `${path}[]`, optional);
      case 'record':
        out.push({ path, optional });
        return walk(def.valueType, `${path}.*`, optional);
      default:
        out.push({ path, optional });
    }
  };
  walk(schema, '', false);
  return out;
}

/** Does `shape` have `pattern` (where `*` matches one key)? */
export function hasPath(shape: Shape, pattern: string): boolean {
  if (!pattern.includes('*')) {
    return shape.has(pattern);
  }
  const re = new RegExp(
    '^' +
      pattern
        .split('*')
        .map((part) => part.replace(/[.[\]]/g, (c) => `\\${c}`))
        .join('[^.[\\]]+') +
      '$'
  );
  return [...shape.keys()].some((p) => re.test(p));
}

const REFERENCE_FILE = fileURLToPath(
  new URL('../fixtures/reference/c210-eu-2.0-fw1.4.3-responses.json', import.meta.url)
);

/** The real C210 answers (python-kasa's fixture, masked), kept in `test/fixtures/reference/` with its source. */
export function referenceAnswers(): Record<string, unknown> {
  return JSON.parse(readFileSync(REFERENCE_FILE, 'utf8')) as Record<string, unknown>;
}
