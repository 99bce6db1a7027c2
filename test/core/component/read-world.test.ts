import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew, componentWit, parse, print } from '@bytecodealliance/jco';
import { beforeAll, describe, expect, it } from 'vitest';
import { printFunction } from '../../../src/component/print-wit.js';
import { readWorld } from '../../../src/component/read-world.js';
import type { ComponentWorld, WitFunction, WitInterface, WitType } from '../../../src/component/wit-types.js';
import { WasmhostError } from '../../../src/errors.js';
import { component, section, sectionBounds, sleb, str, vec } from './decode/component-bytes.js';
import { importedInstanceNames, parseRootWit } from './decode/jco-text.js';
import { EXPECTED, SHAPES_WIT, WORLD_FUNCS } from './decode/wit-cases.js';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/jco/', import.meta.url));
const fixtureNames = readdirSync(FIXTURES).filter((f) => f.endsWith('.wasm')).sort();
const fixture = (name: string) => new Uint8Array(readFileSync(`${FIXTURES}${name}.component.wasm`));

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

describe('readWorld on the jco fixtures', () => {
  it('finds all eight fixtures', () => {
    expect(fixtureNames).toHaveLength(8);
  });

  for (const file of fixtureNames) {
    describe(file, () => {
      const bytes = new Uint8Array(readFileSync(FIXTURES + file));
      const world = readWorld(bytes);

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
        expect(theirs.length).toBeGreaterThan(1);
        expect(mine.sort()).toEqual(theirs.sort());
        for (const [key, funcs] of inlineFuncs) {
          const [direction, name] = key.split(' ');
          const i = iface(world, direction === 'import' ? 'imports' : 'exports', name);
          expect(lines(i).sort()).toEqual([...funcs].sort());
        }
      });

      it('has, for every imported interface, the types and functions of its instance type in the WAT', async () => {
        const wat = await print(bytes);
        const fromWat = importedInstanceNames(wat);
        const interfaces = world.imports.flatMap((i) => (i.kind === 'interface' ? [i.interface] : []));
        expect(fromWat.size).toBeGreaterThan(0);
        expect(interfaces.map((i) => i.name).sort()).toEqual([...fromWat.keys()].sort());
        for (const i of interfaces) {
          const expected = fromWat.get(i.name);
          expect({ types: i.types.map((t) => t.name), funcs: i.functions.map((f) => f.name) }).toEqual(expected);
        }
      });
    });
  }

  it('records: roundtrip-record1 takes and returns record r1 { a: u8, b: f1 } in import and export', () => {
    const w = readWorld(fixture('records'));
    const f1: WitType = { kind: 'flags', flags: ['a', 'b'], name: 'f1' };
    const r1: WitType = { kind: 'record', name: 'r1', fields: [{ name: 'a', type: prim('u8') }, { name: 'b', type: f1 }] };
    const expected: WitFunction = { name: 'roundtrip-record1', params: [{ name: 'a', type: r1 }], result: r1 };
    expect(fn(iface(w, 'imports', 'test:records/test'), 'roundtrip-record1')).toEqual(expected);
    expect(fn(iface(w, 'exports', 'test:records/test'), 'roundtrip-record1')).toEqual(expected);
    const exported = iface(w, 'exports', 'test:records/test');
    expect(exported.package).toEqual({ namespace: 'test', name: 'records' });
    expect(exported.interfaceName).toBe('test');
    expect(exported.types.map((t) => t.name)).toEqual(['f1', 'f2', 'flag8', 'flag16', 'flag32', 'r1']);
    expect(lines(exported)).toEqual([
      'multiple-results: func() -> tuple<u8, u16>',
      'swap-tuple: func(a: tuple<u8, u32>) -> tuple<u32, u8>',
      'roundtrip-flags1: func(a: f1) -> f1',
      'roundtrip-flags2: func(a: f2) -> f2',
      'roundtrip-flags3: func(a: flag8, b: flag16, c: flag32) -> tuple<flag8, flag16, flag32>',
      'roundtrip-record1: func(a: r1) -> r1',
      'tuple1: func(a: tuple<u8>) -> tuple<u8>',
    ]);
  });

  it('flavorful: the exported interface has the exact signatures of the WIT', () => {
    const w = readWorld(fixture('flavorful'));
    const expected = [
      'f-list-in-record1: func(a: list-in-record1)',
      'f-list-in-record2: func() -> list-in-record2',
      'f-list-in-record3: func(a: list-in-record3) -> list-in-record3',
      'f-list-in-record4: func(a: list-in-alias) -> list-in-alias',
      'f-list-in-variant1: func(a: list-in-variant1-v1, b: list-in-variant1-v2)',
      'f-list-in-variant2: func() -> list-in-variant2',
      'f-list-in-variant3: func(a: list-in-variant3) -> list-in-variant3',
      'errno-result: func() -> result<_, my-errno>',
      'list-typedefs: func(a: string, c: list-typedef3) -> tuple<list-typedef2, list-typedef3>',
      'list-of-variants: func(a: list<bool>, b: list<result>, c: list<my-errno>) -> tuple<list<bool>, list<result>, list<my-errno>>',
    ];
    expect(lines(iface(w, 'imports', 'test:flavorful/test'))).toEqual(expected);
    expect(lines(iface(w, 'exports', 'test:flavorful/test'))).toEqual(expected);
    const types = iface(w, 'exports', 'test:flavorful/test').types;
    expect(types.find((t) => t.name === 'list-in-alias')?.type).toEqual({
      kind: 'record', name: 'list-in-record4', fields: [{ name: 'a', type: prim('string') }],
    });
    expect(types.find((t) => t.name === 'my-errno')?.type).toEqual({ kind: 'enum', name: 'my-errno', cases: ['success', 'a', 'b'] });
    expect(types.find((t) => t.name === 'list-in-variant1-v2')?.type).toEqual({
      kind: 'result', name: 'list-in-variant1-v2', err: prim('string'),
    });
  });

  it('lists: exact list signatures', () => {
    const i = iface(readWorld(fixture('lists')), 'exports', 'test:lists/test');
    expect(lines(i)).toContain('list-param4: func(a: list<list<string>>)');
    expect(lines(i)).toContain('list-param5: func(a: list<tuple<u8, u32, u8>>)');
    expect(lines(i)).toContain('list-minmax-float: func(a: list<f32>, b: list<f64>) -> tuple<list<f32>, list<f64>>');
    expect(fn(i, 'list-result')).toEqual({ name: 'list-result', params: [], result: { kind: 'list', element: prim('u8') } });
    expect(fn(i, 'string-roundtrip')).toEqual({
      name: 'string-roundtrip', params: [{ name: 'a', type: prim('string') }], result: prim('string'),
    });
  });

  it('resources: constructors, methods and statics of imported and exported resources', () => {
    const w = readWorld(fixture('resources'));
    const imports = iface(w, 'imports', 'imports');
    expect(imports.package).toBeUndefined();
    expect(imports.types).toEqual([{ name: 'y', type: { kind: 'resource' } }]);
    expect(fn(imports, '[constructor]y')).toEqual({
      name: '[constructor]y', kind: 'constructor', resource: 'y',
      params: [{ name: 'a', type: prim('s32') }], result: { kind: 'own', resource: 'y' },
    });
    expect(fn(imports, '[method]y.get-a')).toEqual({
      name: '[method]y.get-a', kind: 'method', resource: 'y',
      params: [{ name: 'self', type: { kind: 'borrow', resource: 'y' } }], result: prim('s32'),
    });
    const exports = iface(w, 'exports', 'exports');
    expect(exports.types.map((t) => [t.name, t.type.kind])).toEqual([['x', 'resource'], ['z', 'resource'], ['kebab-case', 'resource']]);
    expect(lines(exports)).toEqual([
      'constructor(a: s32)', 'get-a: func() -> s32', 'set-a: func(a: s32)', 'add: static func(x: x, a: s32) -> x',
      'constructor(a: s32)', 'get-a: func() -> s32', 'num-dropped: static func() -> u32',
      'constructor(a: u32)', 'get-a: func() -> u32', 'take-owned: static func(k: kebab-case) -> u32',
      'add: func(a: borrow<z>, b: borrow<z>) -> z', 'consume: func(x: x)', 'test-imports: func() -> result<_, string>',
    ]);
    expect(fn(exports, '[static]kebab-case.take-owned').params).toEqual([{ name: 'k', type: { kind: 'own', resource: 'kebab-case' } }]);
  });

  it('many-arguments: sixteen u64 parameters', () => {
    const w = readWorld(fixture('many-arguments'));
    const params = Array.from({ length: 16 }, (_, i) => ({ name: `a${i + 1}`, type: prim('u64') }));
    expect(w.exports).toEqual([{ kind: 'function', function: { name: 'many-arguments', params } }]);
    expect(fn(iface(w, 'imports', 'imports'), 'many-arguments')).toEqual({ name: 'many-arguments', params });
  });

  it('simple-nested: the versioned interface through two levels of nested components', () => {
    const w = readWorld(fixture('simple-nested'));
    const expected: WitInterface = {
      name: 'calvinrp:test-async-funcs/hello@0.1.0',
      package: { namespace: 'calvinrp', name: 'test-async-funcs', version: '0.1.0' },
      interfaceName: 'hello',
      types: [],
      functions: [{ name: 'hello-world', params: [], result: prim('string') }],
    };
    expect(w).toEqual({ imports: [{ kind: 'interface', interface: expected }], exports: [{ kind: 'interface', interface: expected }] });
  });

  it('wasi interfaces keep use-origins and the names of used types', () => {
    const w = readWorld(fixture('smoke'));
    const streams = iface(w, 'imports', 'wasi:io/streams@0.2.0');
    expect(streams.package).toEqual({ namespace: 'wasi', name: 'io', version: '0.2.0' });
    expect(streams.types.find((t) => t.name === 'error')).toEqual({
      name: 'error', type: { kind: 'resource' }, from: { interface: 'wasi:io/error@0.2.0', name: 'error' },
    });
    expect(streams.types.find((t) => t.name === 'stream-error')?.type).toEqual({
      kind: 'variant', name: 'stream-error',
      cases: [{ name: 'last-operation-failed', type: { kind: 'own', resource: 'error' } }, { name: 'closed' }],
    });
    const fsTypes = iface(w, 'imports', 'wasi:filesystem/types@0.2.0');
    const stat = fsTypes.types.find((t) => t.name === 'descriptor-stat')?.type;
    expect(stat?.kind === 'record' && stat.fields[3]).toEqual({
      name: 'data-access-timestamp',
      type: { kind: 'option', type: { kind: 'record', name: 'datetime', fields: [{ name: 'seconds', type: prim('u64') }, { name: 'nanoseconds', type: prim('u32') }] } },
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

  it('a fixture cut inside each section names the section and offset', () => {
    const bytes = fixture('records');
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

  it('random garbage after a valid preamble, and random byte flips in a fixture, never escape as other errors', () => {
    const next = rng(42);
    for (let i = 0; i < 2000; i++) {
      const tail = Array.from({ length: 1 + Math.floor(next() * 64) }, () => Math.floor(next() * 256));
      const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, ...tail]);
      expect(['not-a-component', 'unsupported']).toContain(decodeError(bytes).code);
    }
    const original = fixture('variants');
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
    expect([wide.code, wide.message]).toEqual(['unsupported', 'unsupported component: a value type expands to more than 1000000 parts']);
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
