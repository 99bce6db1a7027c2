import { readFile } from 'node:fs/promises';
import { componentEmbed, componentNew, componentWit, parse, print } from '@bytecodealliance/jco';
import { beforeAll, describe, expect, it } from 'vitest';
import { printFunction } from '../../../src/component/print-wit.js';
import { readWorld } from '../../../src/component/read-world.js';
import type { ComponentWorld, WitFunction, WitInterface, WitType } from '../../../src/component/wit-types.js';
import { WasmhostError } from '../../../src/errors.js';
import { buildComponentWat } from '../../support/wat-components.js';
import { component, section, sectionBounds, sleb, str, vec } from './decode/component-bytes.js';
import { importedInstanceNames, parseRootWit } from './decode/jco-text.js';
import { EXPECTED, SHAPES_WIT, WORLD_FUNCS } from './decode/wit-cases.js';
import { WAT_FIXTURES, watComponentPath, type WatComponentName } from '../../support/wat-components.js';

const fixture = async (name: WatComponentName) => new Uint8Array(await readFile(await watComponentPath(name)));

function iface(w: ComponentWorld, dir: 'imports' | 'exports', name: string): WitInterface {
  const item = w[dir].find((i) => i.kind === 'interface' && i.interface.name === name);
  if (item?.kind !== 'interface') throw new Error(`no ${dir} interface ${name}`);
  return item.interface;
}
function fn(i: WitInterface, name: string): WitFunction {
  const f = i.functions.find((x) => x.name === name);
  if (f === undefined) throw new Error(`no function ${name} in ${i.name}`);
  return f;
}
const lines = (i: WitInterface) => i.functions.map(printFunction);
const prim = (name: string): WitType => ({ kind: 'primitive', name } as WitType);
const alias = (name: string, of: string): WitType => ({ kind: 'primitive', name: of, alias: name } as WitType);

/** The fixtures whose imported interfaces the WAT cross-check below must find. */
const WITH_IMPORTS: WatComponentName[] = ['imports-logging', 'rich-types'];

describe.each(WAT_FIXTURES)('readWorld on the %s fixture', (name) => {
  let bytes: Uint8Array;
  let world: ComponentWorld;
  beforeAll(async () => {
    bytes = await fixture(name);
    world = readWorld(bytes);
  });

  it('has the imports, exports and root functions jco componentWit prints', async () => {
    const { items, inlineFuncs } = parseRootWit(await componentWit(bytes));
    const mine = [
      ...world.imports.map((i) => ['import', i] as const),
      ...world.exports.map((i) => ['export', i] as const),
    ].map(([direction, i]) => {
      if (i.kind === 'function') return `${direction} ${printFunction(i.function)};`;
      if (i.kind === 'interface') return `${direction} ${i.interface.name}`;
      return `${direction} type ${i.type.name}`;
    });
    const theirs = items.map((i) => (i.kind === 'func' ? i.line : `${i.direction} ${i.name}`));
    expect(theirs.length).toBeGreaterThan(0);
    expect(mine.sort()).toEqual(theirs.sort());
    for (const [key, funcs] of inlineFuncs) {
      const [direction, n] = key.split(' ');
      const i = iface(world, direction === 'import' ? 'imports' : 'exports', n);
      expect(lines(i).sort()).toEqual([...funcs].sort());
    }
  });

  it('has, for every imported interface, the types and functions of its instance type in the WAT', async () => {
    const fromWat = importedInstanceNames(await print(bytes));
    const interfaces = world.imports.flatMap((i) => (i.kind === 'interface' ? [i.interface] : []));
    if (WITH_IMPORTS.includes(name)) expect(fromWat.size).toBeGreaterThan(1);
    expect(interfaces.map((i) => i.name).sort()).toEqual([...fromWat.keys()].sort());
    for (const i of interfaces) {
      const expected = fromWat.get(i.name);
      expect({ types: i.types.map((t) => t.name), funcs: i.functions.map((f) => f.name) }).toEqual(expected);
    }
  });
});

describe('readWorld on the fixtures written here', () => {
  let rich: ComponentWorld;
  beforeAll(async () => {
    rich = readWorld(await fixture('rich-types'));
  });
  const count = alias('count', 'u32');
  const point: WitType = { kind: 'record', name: 'point', fields: [{ name: 'x', type: prim('s32') }, { name: 'y', type: prim('s32') }] };

  it('rich-types: the exported interface has the exact signatures of its WIT, through uses and aliases', () => {
    const api = iface(rich, 'exports', 'example:rich/api@0.2.0');
    expect(api.package).toEqual({ namespace: 'example', name: 'rich', version: '0.2.0' });
    expect(api.interfaceName).toBe('api');
    expect(lines(api)).toEqual([
      'echo-record: func(a: r1) -> r1',
      'echo-flags: func(a: flag8, b: flag16, c: flag32) -> tuple<flag8, flag16, flag32>',
      'swap-tuple: func(a: tuple<u8, u32>) -> tuple<u32, u8>',
      'echo-option: func(a: maybe-count) -> maybe-count',
      'echo-result: func(a: result<count, my-errno>) -> result<count, my-errno>',
      'echo-enum: func(a: my-errno) -> my-errno',
      'echo-value: func(a: value) -> value',
      'echo-points: func(a: point-list) -> point-list',
      'echo-names: func(a: names) -> names',
      'echo-labeled: func(a: labeled-alias) -> labeled',
      'errno-result: func() -> result<_, my-errno>',
      'add-counts: func(a: count, b: count) -> count',
      'later: func(t: stamp, by: u32) -> stamp',
      'count-nested: func(a: list<list<string>>, b: list<tuple<u8, u32, u8>>) -> count',
      'unit-result: func(ok: bool) -> result',
    ]);
    const f1: WitType = { kind: 'flags', flags: ['a', 'b'], name: 'f1' };
    const r1: WitType = { kind: 'record', name: 'r1', fields: [{ name: 'a', type: prim('u8') }, { name: 'b', type: f1 }] };
    expect(fn(api, 'echo-record')).toEqual({ name: 'echo-record', params: [{ name: 'a', type: r1 }], result: r1 });
    expect(fn(api, 'add-counts')).toEqual({ name: 'add-counts', params: [{ name: 'a', type: count }, { name: 'b', type: count }], result: count });
    expect(fn(api, 'count-nested').params.map((x) => x.type)).toEqual([
      { kind: 'list', element: { kind: 'list', element: prim('string') } },
      { kind: 'list', element: { kind: 'tuple', types: [prim('u8'), prim('u32'), prim('u8')] } },
    ]);
    expect(fn(api, 'unit-result').result).toEqual({ kind: 'result' });
    const used = ['count', 'stamp', 'flag8', 'flag16', 'flag32', 'r1', 'point-list', 'maybe-count', 'my-errno', 'value', 'labeled', 'labeled-alias'];
    expect(api.types.map((t) => [t.name, t.from])).toEqual([
      ...used.map((n) => [n, { interface: 'example:rich/types@0.2.0', name: n }]),
      ['names', undefined],
    ]);
    const type = (n: string) => api.types.find((t) => t.name === n)?.type;
    // In `types`, where it is declared, an alias of a record is that record under its own name.
    expect(iface(rich, 'imports', 'example:rich/types@0.2.0').types.find((t) => t.name === 'labeled-alias')?.type).toEqual({
      kind: 'record', name: 'labeled',
      fields: [
        { name: 'name', type: prim('string') },
        { name: 'tags', type: { kind: 'list', element: prim('string') } },
        { name: 'count', type: { kind: 'option', name: 'maybe-count', type: count } },
      ],
    });
    expect(type('my-errno')).toEqual({ kind: 'enum', name: 'my-errno', cases: ['success', 'a', 'b'] });
    expect(type('value')).toEqual({
      kind: 'variant', name: 'value',
      cases: [{ name: 'int', type: prim('s64') }, { name: 'real', type: prim('f64') }, { name: 'text', type: prim('string') }, { name: 'nothing' }],
    });
    expect(type('point-list')).toEqual({ kind: 'list', name: 'point-list', element: point });
    expect(type('stamp')).toEqual(alias('stamp', 'u64'));
    expect(type('names')).toEqual({ kind: 'list', name: 'names', element: prim('string') });
  });

  it('rich-types: an imported resource with constructor, method and static, and used types keep their origins', () => {
    const host = iface(rich, 'imports', 'example:rich/host@0.2.0');
    expect(host.types.map((t) => [t.name, t.type.kind, t.from?.interface])).toEqual([
      ['blob', 'resource', undefined],
      ['count', 'primitive', 'example:rich/types@0.2.0'],
      ['point', 'record', 'example:rich/types@0.2.0'],
      ['metrics', 'record', undefined],
      ['stream-error', 'variant', 'example:rich/types@0.2.0'],
    ]);
    expect(fn(host, '[constructor]blob')).toEqual({
      name: '[constructor]blob', kind: 'constructor', resource: 'blob',
      params: [{ name: 'init', type: { kind: 'list', element: prim('u8') } }], result: { kind: 'own', resource: 'blob' },
    });
    expect(fn(host, '[method]blob.size')).toEqual({
      name: '[method]blob.size', kind: 'method', resource: 'blob',
      params: [{ name: 'self', type: { kind: 'borrow', resource: 'blob' } }], result: count,
    });
    expect(fn(host, '[static]blob.merge')).toEqual({
      name: '[static]blob.merge', kind: 'static', resource: 'blob',
      params: [{ name: 'a', type: { kind: 'borrow', resource: 'blob' } }, { name: 'b', type: { kind: 'borrow', resource: 'blob' } }],
      result: { kind: 'own', resource: 'blob' },
    });
    const streamError: WitType = {
      kind: 'variant', name: 'stream-error',
      cases: [{ name: 'last-operation-failed', type: { kind: 'own', resource: 'error' } }, { name: 'closed' }],
    };
    expect(fn(host, 'report')).toEqual({
      name: 'report',
      params: [{ name: 'm', type: { kind: 'record', name: 'metrics', fields: [{ name: 'total', type: count }, { name: 'at', type: point }] } }],
      result: { kind: 'result', err: streamError },
    });
    const types = iface(rich, 'imports', 'example:rich/types@0.2.0');
    expect(types.types.find((t) => t.name === 'error')).toEqual({
      name: 'error', type: { kind: 'resource' }, from: { interface: 'example:rich/errors@0.2.0', name: 'error' },
    });
    expect(iface(rich, 'imports', 'example:rich/errors@0.2.0').types).toEqual([{ name: 'error', type: { kind: 'resource' } }]);
  });

  it('resources: an exported resource with constructor and methods, borrowed and owned', async () => {
    const counting = iface(readWorld(await fixture('resources')), 'exports', 'example:counters/counting');
    expect(counting.types).toEqual([{ name: 'counter', type: { kind: 'resource' } }]);
    expect(lines(counting)).toEqual([
      'constructor(start: u32)', 'increment: func() -> u32', 'get: func() -> u32',
      'make-and-count: func(n: u32) -> u32', 'peek: func(c: borrow<counter>) -> u32', 'consume: func(c: counter) -> u32', 'live: func() -> u32',
    ]);
    expect(fn(counting, 'consume').params).toEqual([{ name: 'c', type: { kind: 'own', resource: 'counter' } }]);
  });

  it('lists: exact list signatures', async () => {
    const w = readWorld(await fixture('lists'));
    const f = (n: string) => w.exports.flatMap((i) => (i.kind === 'function' && i.function.name === n ? [i.function] : []))[0];
    expect(f('split')).toEqual({ name: 'split', params: [{ name: 's', type: prim('string') }], result: { kind: 'list', element: prim('string') } });
    expect(printFunction(f('scale'))).toBe('scale: func(xs: list<f64>, k: f64) -> list<f64>');
  });

  it('many-arguments: sixteen u64 and seventeen u32 parameters', async () => {
    const w = readWorld(await fixture('many-arguments'));
    const params = (type: string, n: number) => Array.from({ length: n }, (_, i) => ({ name: `a${i + 1}`, type: prim(type) }));
    expect(w).toEqual({
      imports: [],
      exports: [
        { kind: 'function', function: { name: 'many-arguments', params: params('u64', 16), result: prim('u64') } },
        { kind: 'function', function: { name: 'too-many-arguments', params: params('u32', 17), result: prim('u32') } },
      ],
    });
  });

  it('composed: the versioned interface through two levels of nested components', async () => {
    const w = readWorld(await fixture('composed'));
    const u32 = [{ name: 'x', type: prim('u32') }];
    const expected: WitInterface = {
      name: 'example:nested/api@0.1.0',
      package: { namespace: 'example', name: 'nested', version: '0.1.0' },
      interfaceName: 'api',
      types: [],
      functions: [{ name: 'quad', params: u32, result: prim('u32') }, { name: 'double', params: u32, result: prim('u32') }],
    };
    expect(w).toEqual({
      imports: [],
      exports: [{ kind: 'interface', interface: expected }, { kind: 'function', function: { name: 'octo', params: u32, result: prim('u32') } }],
    });
  });
});

describe('readWorld on a component built from WIT written here', () => {
  let world: ComponentWorld;
  beforeAll(async () => {
    const embedded = await componentEmbed({ dummy: true, witSource: SHAPES_WIT, world: 'test:shapes/shapes@1.2.0' });
    world = readWorld(await componentNew(embedded));
  });

  it('prints every interface function exactly as its WIT line', () => {
    for (const [key, expected] of Object.entries(EXPECTED)) {
      const [direction, name] = key.split(' ');
      expect(lines(iface(world, direction === 'import' ? 'imports' : 'exports', name)), key).toEqual(expected);
    }
    const names = [...world.imports, ...world.exports].flatMap((i) => (i.kind === 'interface' ? [i.interface.name] : []));
    expect(names.sort()).toEqual(Object.keys(EXPECTED).map((k) => k.split(' ')[1]).sort());
  });

  it('prints every world-level function exactly as its WIT line', () => {
    const mine = [
      ...world.imports.flatMap((i) => (i.kind === 'function' ? [['import', printFunction(i.function)]] : [])),
      ...world.exports.flatMap((i) => (i.kind === 'function' ? [['export', printFunction(i.function)]] : [])),
    ];
    expect(mine).toEqual(WORLD_FUNCS);
  });

  it('decodes the foreign, versioned package and the uses of the exported api', () => {
    const log = iface(world, 'imports', 'other:dep/log@0.3.1');
    expect(log.package).toEqual({ namespace: 'other', name: 'dep', version: '0.3.1' });
    expect(log.interfaceName).toBe('log');
    expect(log.types).toEqual([{ name: 'level', type: { kind: 'enum', name: 'level', cases: ['debug', 'info', 'warn'] } }]);
    const api = iface(world, 'exports', 'test:shapes/api@1.2.0');
    expect(api.types.map((t) => [t.name, t.from])).toEqual(['point', 'shape', 'canvas', 'perms'].map((n) => [n, { interface: 'test:shapes/types@1.2.0', name: n }]));
    const point: WitType = { kind: 'record', name: 'point', fields: [{ name: 'x', type: prim('s32') }, { name: 'y', type: prim('s32') }] };
    expect(fn(api, 'area').params[0].type).toEqual({
      kind: 'variant', name: 'shape',
      cases: [{ name: 'circle', type: prim('f64') }, { name: 'rect', type: { kind: 'tuple', types: [point, point] } }, { name: 'empty' }],
    });
    expect(fn(api, 'check').params[0].type).toEqual({ kind: 'flags', name: 'perms', flags: ['read', 'write', 'exec'] });
  });

  it('marks async functions and keeps fixed list lengths', () => {
    const run = world.exports.find((i) => i.kind === 'function' && i.function.name === 'run');
    expect(run).toEqual({
      kind: 'function',
      function: {
        name: 'run', async: true,
        params: [{ name: 'x', type: { kind: 'list', element: prim('u8'), length: 4 } }],
        result: { kind: 'stream', type: prim('u8') },
      },
    });
  });

  it('folds legacy named results into an unnamed record', () => {
    const types = section(7, vec([[0x40, ...vec([]), 0x01, ...vec([[...str('a'), 0x79], [...str('b'), 0x73]])]]));
    const imports = section(10, vec([[0x00, ...str('f'), 0x01, 0x00]]));
    const w = readWorld(component(types, imports));
    const f = { name: 'f', params: [], result: { kind: 'record', fields: [{ name: 'a', type: prim('u32') }, { name: 'b', type: prim('string') }] } };
    expect(w).toEqual({ imports: [{ kind: 'function', function: f }], exports: [] });
    expect(printFunction(f as WitFunction)).toBe('f: func() -> (a: u32, b: string)');
  });
});

/** Runs readWorld and returns its WasmhostError; fails the test on success or on any other exception. */
function decodeError(bytes: Uint8Array): WasmhostError {
  try {
    readWorld(bytes);
  } catch (e) {
    if (e instanceof WasmhostError) return e;
    throw new Error(`readWorld threw a non-WasmhostError: ${String(e)}`);
  }
  throw new Error('readWorld succeeded');
}

/** A small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('readWorld on bad input', () => {
  it('empty bytes', () => {
    const e = decodeError(new Uint8Array());
    expect(e.code).toBe('not-a-component');
    expect(e.message).toMatch(/^empty file: 0 bytes/);
  });

  it('a core module', async () => {
    const e = decodeError(await parse('(module)'));
    expect(e.code).toBe('not-a-component');
    expect(e.message).toBe('this is a core WebAssembly module, not a component; wrap it with `jco new`');
  });

  it('bad magic, WAT text, a short header and another binary version; never quoting the bytes', () => {
    const text = decodeError(new TextEncoder().encode('hello world')).message;
    expect(text).toMatch(/^not WebAssembly: the bytes do not start with the magic number/);
    expect(text).not.toMatch(/68 65 6c 6c|hell/); // the file's own bytes, as hex or text
    expect(decodeError(new TextEncoder().encode('(component)')).message).toMatch(/if this is WAT text, convert it with `jco parse`/);
    const short = decodeError(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d]));
    expect([short.code, short.message]).toEqual(['not-a-component', expect.stringMatching(/^truncated component: only 5 bytes/)]);
    const old = decodeError(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0c, 0x00, 0x01, 0x00]));
    expect([old.code, old.message]).toEqual(['unsupported', expect.stringMatching(/binary version 0xc/)]);
  });

  it('a fixture cut inside each section names the section and offset', async () => {
    const bytes = await fixture('rich-types');
    const bounds = sectionBounds(bytes);
    expect(bounds.length).toBeGreaterThan(10);
    for (const s of bounds) {
      for (const cut of new Set([s.start + 1, s.body, Math.floor((s.body + s.end) / 2), s.end - 1])) {
        if (cut <= s.start || cut >= s.end) continue;
        const e = decodeError(bytes.subarray(0, cut));
        expect(e.code, `cut at ${cut}`).toBe('not-a-component');
        expect(e.message, `cut at ${cut}`).toMatch(/^truncated component: the bytes end at offset 0x[0-9a-f]+ \(.*section at 0x/);
        if (cut >= s.body) expect(e.message).toContain(`section at 0x${s.start.toString(16)} declares ${s.end - s.body} bytes`);
      }
    }
  });

  it('every cut of a WIT-built component gives not-a-component, except at section boundaries', async () => {
    const bytes = await componentNew(await componentEmbed({ dummy: true, witSource: SHAPES_WIT, world: 'test:shapes/shapes@1.2.0' }));
    const boundaries = new Set(sectionBounds(bytes).map((s) => s.start));
    for (let cut = 1; cut < bytes.length; cut++) {
      if (cut >= 8 && boundaries.has(cut)) {
        expect(() => readWorld(bytes.subarray(0, cut))).not.toThrow(); // a prefix ending between sections is a whole component
        continue;
      }
      expect(decodeError(bytes.subarray(0, cut)).code, `cut at ${cut}`).toBe('not-a-component');
    }
  });

  it('random garbage after a valid preamble, and random byte flips in a fixture, never escape as other errors', async () => {
    const next = rng(42);
    for (let i = 0; i < 2000; i++) {
      const tail = Array.from({ length: 1 + Math.floor(next() * 64) }, () => Math.floor(next() * 256));
      const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, ...tail]);
      expect(['not-a-component', 'unsupported']).toContain(decodeError(bytes).code);
    }
    const original = await fixture('rich-types');
    const typeEnd = sectionBounds(original).find((s) => s.id === 1)?.start ?? original.length;
    for (let i = 0; i < 2000; i++) {
      const bytes = original.slice();
      bytes[8 + Math.floor(next() * (typeEnd - 8))] = Math.floor(next() * 256);
      try {
        readWorld(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(WasmhostError);
      }
    }
  });

  it('corrupt sections: unknown id, leftover bytes, bad index, past the enclosing end', () => {
    expect(decodeError(component(section(13, []))).message).toMatch(/^corrupt component: unknown section id 13 at offset 0x8/);
    const leftover = decodeError(component(section(7, [...vec([[0x7d]]), 0x00])));
    expect(leftover.message).toMatch(/1 unread bytes at the end of the section at offset 0xc \(type section at 0x8\)/);
    const badIndex = decodeError(component(section(10, vec([[0x00, ...str('f'), 0x01, 0x05]]))));
    expect(badIndex.message).toMatch(/type index 5 is out of range \(0 types defined\) at offset 0xf \(import section at 0x8\)/);
    const inner = [...component(section(7, vec([[0x7d]])))];
    inner[9] = 5; // the nested type section claims 5 bytes; its component has 2 left
    const nested = component(section(4, inner), section(0, [...str('x')]));
    expect(decodeError(nested).message).toMatch(/^corrupt component: the type section declares 5 bytes, past the end of its enclosing component at offset 0x12 \(component section at 0x8\)/);
    const runsPast = component(section(7, [0x01, 0x6b]), section(0, [...str('x')]));
    expect(decodeError(runsPast).message).toMatch(/^corrupt component: an item runs past its section's end \(0 bytes were left\) at offset 0xc \(type section at 0x8\)/);
  });

  it('refuses value types nested too deeply or expanding exponentially', () => {
    const importF = (idx: number) => section(10, vec([[0x00, ...str('f'), 0x01, ...sleb(idx)]]));
    const lists = [[0x70, 0x7d], ...Array.from({ length: 600 }, (_, i) => [0x70, ...sleb(i)])];
    const deep = decodeError(component(section(7, vec([...lists, [0x40, ...vec([[...str('x'), ...sleb(600)]]), 0x01, 0x00]])), importF(601)));
    expect([deep.code, deep.message]).toEqual(['unsupported', 'unsupported component: value types nested deeper than 500 levels']);
    const pairs = [[0x6f, ...vec([[0x7d], [0x7d]])], ...Array.from({ length: 40 }, (_, i) => [0x6f, ...vec([sleb(i), sleb(i)])])];
    const wide = decodeError(component(section(7, vec([...pairs, [0x40, ...vec([[...str('x'), ...sleb(40)]]), 0x01, 0x00]])), importF(41)));
    expect([wide.code, wide.message]).toEqual(['unsupported', "unsupported component: its types expand to more than 100000 nodes, counting a shared type at each use (wasmhost's type-size budget); it is refused rather than printed or walked"]);
  });

  it('unsupported constructs name what they are', () => {
    const map = decodeError(component(section(7, vec([[0x63, 0x73, 0x73]]))));
    expect([map.code, map.message]).toEqual(['unsupported', expect.stringMatching(/`map` types at offset 0xb \(type section at 0x8\)/)]);
    const builtin = decodeError(component(section(8, vec([[0x3a]]))));
    expect([builtin.code, builtin.message]).toEqual(['unsupported', expect.stringMatching(/canonical built-in 0x3a/)]);
    const moduleImport = decodeError(component(section(3, vec([[0x50, 0x00]])), section(10, vec([[0x00, ...str('m'), 0x00, 0x11, 0x00]]))));
    expect([moduleImport.code, moduleImport.message]).toEqual(['unsupported', expect.stringMatching(/imports a core module named "m"/)]);
  });
});

describe('readWorld on shapes other toolchains write', () => {
  it('a composition passing a core module, aliased out of one inner instance, to another: an empty world', async () => {
    expect(readWorld(await buildComponentWat('core-module-alias'))).toEqual({ imports: [], exports: [] });
  });

  it('still refuses an alias that asks an instance for a core item other than a module', async () => {
    const bytes = (await buildComponentWat('core-module-alias')).slice();
    const alias = sectionBounds(bytes).find((s) => s.id === 6);
    expect(alias && [...bytes.subarray(alias.body, alias.body + 3)]).toEqual([0x01, 0x00, 0x11]); // one alias, sort core module
    bytes[(alias?.body ?? 0) + 2] = 0x00; // core func
    const e = decodeError(bytes);
    expect([e.code, e.message]).toEqual(['not-a-component', expect.stringMatching(/^corrupt component: export "dep" of instance 0 is a module, not a core item of sort 0x0 at/)]);
  });

  it('a WIT package is refused as one, carrying its interfaces and worlds', async () => {
    const e = decodeError(await buildComponentWat('wit-package'));
    expect(e.code).toBe('wit-package');
    expect(e.message).toBe(
      'this is a WIT package (interface types only), not a runnable component: it defines interface demo:calc/adder@0.1.0, '
      + 'world demo:calc/calc@0.1.0; build a component that targets one of its worlds and run that',
    );
    const pair: WitType = { kind: 'record', name: 'pair', fields: [{ name: 'a', type: prim('s32') }, { name: 'b', type: prim('s32') }] };
    const adder: WitInterface = {
      name: 'demo:calc/adder@0.1.0', package: { namespace: 'demo', name: 'calc', version: '0.1.0' }, interfaceName: 'adder',
      types: [{ name: 'pair', type: pair }],
      functions: [{ name: 'add', params: [{ name: 'p', type: pair }], result: prim('s32') }],
    };
    const log: WitFunction = { name: 'log', params: [{ name: 'msg', type: prim('string') }] };
    expect(e.data).toEqual({
      package: {
        interfaces: [adder],
        worlds: [{ name: 'demo:calc/calc@0.1.0', imports: [{ kind: 'function', function: log }], exports: [{ kind: 'interface', interface: adder }] }],
      },
    });
  });

  it('a component type exported beside a runnable world is unsupported, not corrupt', async () => {
    const e = decodeError(await parse('(component (import "f" (func)) (type $w (component)) (export "w" (type $w)))'));
    expect([e.code, e.message]).toEqual(['unsupported', 'unsupported component: it exports a component type named "w", which WIT cannot describe']);
  });
});
