// A small seeded generator for fuzz tests (mulberry32), so a failure reproduces from its seed.

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  bytes(n: number): Uint8Array;
}

export function seeded(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next, int,
    pick: (items) => items[int(items.length)],
    bytes: (n) => Uint8Array.from({ length: n }, () => int(256)),
  };
}

/** Text tokens that stress YAML and JSON readers and the numeric checks behind them. */
export const HOSTILE_TOKENS = [
  ': ', '- ', '{', '}', '[', ']', ',', '"', "'", '\t', '\n  ', '\n---\n', '%YAML 1.1\n', '&a ', '*a', '<<: *a', '!!binary ', '!!js/function ',
  '? ', '|\n', '>-\n', '#', '\u0000', '\uFEFF', '\uD800', '9007199254740993', '18446744073709551615', '1e400', '-0', '.inf', '.nan', '0x10',
  '-1', '2147483648', '99999999999999999999Gi', '5Gi', 'null', '~', 'true', 'NaN', '__proto__', 'constructor', '../../etc/passwd', '/etc/hostname',
  'file:///etc/shadow', 'http://10.0.0.1/x.wasm', 'x'.repeat(300), '[[[[[[[[[[', '{"a":'.repeat(50),
];

/** `text` with a few random edits: flips, cuts, duplications and hostile tokens. */
export function mutateText(text: string, r: Random): string {
  let out = text;
  for (let n = 1 + r.int(4); n > 0; n--) {
    const at = r.int(out.length + 1);
    switch (r.int(5)) {
      case 0: out = out.slice(0, at) + String.fromCharCode(r.int(128)) + out.slice(at + 1); break;
      case 1: out = out.slice(0, at) + out.slice(at + 1 + r.int(40)); break;
      case 2: { const len = r.int(60); out = out.slice(0, at) + out.slice(at, at + len).repeat(1 + r.int(3)) + out.slice(at); break; }
      default: out = out.slice(0, at) + r.pick(HOSTILE_TOKENS) + out.slice(at);
    }
  }
  return out;
}

/** A random JSON-ish value, to drop into a parsed document. */
export function randomValue(r: Random, depth = 0): unknown {
  switch (r.int(depth > 3 ? 6 : 8)) {
    case 0: return r.pick([0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, Number.MAX_VALUE, -Number.MAX_VALUE, 1e-300]);
    case 1: return r.pick(HOSTILE_TOKENS);
    case 2: return null;
    case 3: return r.next() < 0.5;
    case 4: return '';
    case 5: return 'x'.repeat(r.int(5000));
    case 6: return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    default: return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(['id', 'kind', 'everyMs', 'memory', 'digest', '__proto__', 'x']), randomValue(r, depth + 1)]));
  }
}

/** A deep copy of `doc` with one random node replaced (or deleted). */
export function mutateDocument(doc: unknown, r: Random): unknown {
  const copy = JSON.parse(JSON.stringify(doc)) as unknown;
  const nodes: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach((v, i) => { nodes.push([node, i]); walk(v); });
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) { nodes.push([node as Record<string, unknown>, k]); walk(v); }
  };
  walk(copy);
  if (nodes.length === 0) return randomValue(r);
  const [parent, key] = r.pick(nodes);
  if (r.int(5) === 0 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
  else (parent as Record<string | number, unknown>)[key] = randomValue(r);
  return copy;
}
