// Checks the hand-written WAT test components against jco itself: each one
// builds, declares the expected world, and returns exact values when
// transpiled by jco and called from JS. The assertions double as a record of
// how jco represents each WIT value type in JS.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { componentWit, print, transpile } from '@bytecodealliance/jco';
import {
  WAT_FIXTURES,
  buildWatComponent,
  watComponentPath,
  type WatComponentName,
} from '../support/wat-components.js';

/** `a1: t, a2: t, …, an: t` */
const params = (type: string, n: number) => Array.from({ length: n }, (_, i) => `a${i + 1}: ${type}`).join(', ');

/** The root world componentWit prints for each component (jco names it root:component/root). */
const EXPECTED_WORLDS: Record<WatComponentName, string[]> = {
  scalars: [
    'export add: func(a: s32, b: s32) -> s32;',
    'export process: func(x: f64) -> f64;',
    'export negate: func(x: s64) -> s64;',
    'export is-even: func(x: u32) -> bool;',
    'export to-upper-char: func(c: char) -> char;',
    'export mix: func(a: u8, b: u16, c: f32) -> f32;',
    'export widen: func(a: s8, b: s16, c: u64) -> s64;',
    'export clamp-s8: func(x: s32) -> s8;',
    'export max-u64: func() -> u64;',
    'export fail: func();',
    'export div: func(a: s32, b: s32) -> s32;',
  ],
  strings: [
    'export greet: func(name: string) -> string;',
    'export length: func(s: string) -> u32;',
    'export count-chars: func(s: string) -> u32;',
    'export echo: func(s: string) -> string;',
    'export reverse-chars: func(s: string) -> string;',
  ],
  lists: [
    'export sum: func(xs: list<u32>) -> u64;',
    'export reverse: func(xs: list<s32>) -> list<s32>;',
    'export bytes-len: func(b: list<u8>) -> u32;',
    'export scale: func(xs: list<f64>, k: f64) -> list<f64>;',
    'export split: func(s: string) -> list<string>;',
    'export join: func(parts: list<string>, sep: string) -> string;',
  ],
  // jco 1.35's componentWit prints interface exports by name only.
  'records-variants': ['export example:shapes/geometry@1.2.0;'],
  resources: ['export example:counters/counting;'],
  'imports-logging': [
    'import wasi:logging/logging@0.1.0-draft;',
    'import example:missing/thing@2.0.0;',
    '',
    'export run: func(x: u32) -> u32;',
    'export run-describe: func(x: u32) -> string;',
  ],
  'many-arguments': [
    `export many-arguments: func(${params('u64', 16)}) -> u64;`,
    `export too-many-arguments: func(${params('u32', 17)}) -> u32;`,
  ],
  'rich-types': [
    'import example:rich/errors@0.2.0;',
    'import example:rich/types@0.2.0;',
    'import example:rich/host@0.2.0;',
    '',
    'export example:rich/api@0.2.0;',
  ],
  composed: ['export example:nested/api@0.1.0;', 'export octo: func(x: u32) -> u32;'],
  builtins: ['export tripled: func(x: u32) -> u32;', 'export through-token: func(x: u32) -> u32;'],
  runaway: [
    'export spin: func();',
    'export ok: func(x: u32) -> u32;',
  ],
};

const tempDirs: string[] = [];
afterAll(() => Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** Transpiles a component with jco (instantiation mode) and instantiates it; the exports are untyped. */
async function loadWithJco(name: WatComponentName, imports: object = {}): Promise<any> {
  const bytes = await readFile(await watComponentPath(name));
  const { files } = await transpile(bytes, { name, instantiation: 'async', noTypescript: true });
  const dir = await mkdtemp(join(tmpdir(), `wasmhost-jco-${name}-`));
  tempDirs.push(dir);
  const jsFile = join(dir, `${name}.js`);
  await writeFile(jsFile, files[`${name}.js`]);
  const glue = await import(pathToFileURL(jsFile).href);
  return glue.instantiate((core: string) => WebAssembly.compile(files[core]), imports);
}

/** Calls fn and returns what it threw. */
function thrown(fn: () => unknown): Error & { payload?: unknown } {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('building the WAT components', () => {
  it.each(WAT_FIXTURES)('%s builds and declares its world', async (name) => {
    const bytes = await buildWatComponent(name);
    // component magic and layer: \0asm, version 0x0d, layer 1
    expect([...bytes.subarray(0, 8)]).toEqual([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]);
    const lines = EXPECTED_WORLDS[name].map((line) => (line ? `  ${line}` : ''));
    expect(await componentWit(bytes)).toBe(
      `package root:component;\n\nworld root {\n${lines.join('\n')}\n}\n`,
    );
  });

  it('caches each build as a file, rebuilt only when sources change', async () => {
    const path = await watComponentPath('scalars');
    expect(path).toMatch(/wasmhost-wat-[0-9a-f]{16}[/\\]scalars\.wasm$/);
    expect(await watComponentPath('scalars')).toBe(path);
    expect(new Uint8Array(await readFile(path))).toEqual(await buildWatComponent('scalars'));
  });

  it('declares the interface types in the component binary', async () => {
    const wat = await print(await buildWatComponent('records-variants'));
    for (const type of [
      '(record (field "x" f64) (field "y" f64))',
      /\(variant \(case "circle" f64\) \(case "rect" \d+\) \(case "empty"\)\)/,
      '(enum "red" "green" "blue")',
      '(flags "read" "write" "exec")',
      '(result f64 (error string))',
      '(option u32)',
      '(tuple string u32)',
      /\(export \S+ \(;\d+;\) "example:shapes\/geometry@1\.2\.0" \(instance/,
    ]) {
      if (typeof type === 'string') expect(wat).toContain(type);
      else expect(wat).toMatch(type);
    }
  });
});

describe('scalars through jco', () => {
  it('returns exact scalar values', async () => {
    const c = await loadWithJco('scalars');
    expect(c.add(2, 3)).toBe(5);
    expect(c.add(2147483647, 1)).toBe(-2147483648); // s32 wraps
    expect(c.process(1.5)).toBe(4);
    expect(c.negate(5n)).toBe(-5n); // s64/u64 are bigint
    expect(c.isEven(4)).toBe(true); // bool is boolean
    expect(c.isEven(3)).toBe(false);
    expect(c.toUpperChar('a')).toBe('A'); // char is a one-char string
    expect(c.toUpperChar('é')).toBe('é');
    expect(c.mix(1, 2, 0.5)).toBe(3.5);
    expect(c.widen(-1, -300, 10n)).toBe(-291n);
    expect(c.clampS8(1000)).toBe(127);
    expect(c.clampS8(-1000)).toBe(-128);
    expect(c.maxU64()).toBe(18446744073709551615n);
    expect(c.div(7, 2)).toBe(3);
  });

  it('surfaces traps as WebAssembly.RuntimeError and poisons the instance', async () => {
    const c = await loadWithJco('scalars');
    const unreachable = thrown(() => c.fail());
    expect(unreachable).toBeInstanceOf(WebAssembly.RuntimeError);
    expect(unreachable.message).toBe('wasm trap: wasm `unreachable` instruction executed');
    // after a trap the component instance may not be entered again
    expect(() => c.add(1, 2)).toThrow('wasm trap: cannot enter component instance');
    const divByZero = thrown(() => c.div(1, 0));
    expect(divByZero).toBeInstanceOf(WebAssembly.RuntimeError);
    const fresh = await loadWithJco('scalars');
    expect(thrown(() => fresh.div(1, 0)).message).toBe('wasm trap: integer divide by zero');
  });
});

describe('strings through jco', () => {
  it('round-trips UTF-8', async () => {
    const c = await loadWithJco('strings');
    expect(c.greet('wörld')).toBe('Hello, wörld!');
    expect(c.greet('')).toBe('Hello, !');
    expect(c.length('wörld')).toBe(6); // bytes
    expect(c.countChars('añb€😀')).toBe(5);
    expect(c.echo('x€😀')).toBe('x€😀');
    expect(c.reverseChars('añb€😀')).toBe('😀€bña');
    expect(c.reverseChars('')).toBe('');
    // repeated calls: post-return resets the allocator each time
    for (let i = 0; i < 100; i++) expect(c.greet('x'.repeat(i))).toBe(`Hello, ${'x'.repeat(i)}!`);
    expect(c.echo('é'.repeat(100_000))).toBe('é'.repeat(100_000)); // grows memory
  });
});

describe('lists through jco', () => {
  it('takes arrays or typed arrays and returns typed arrays for numbers', async () => {
    const c = await loadWithJco('lists');
    expect(c.sum([1, 2, 4294967295])).toBe(4294967298n);
    expect(c.sum(new Uint32Array([1, 2]))).toBe(3n);
    expect(c.reverse([1, -2, 3])).toEqual(new Int32Array([3, -2, 1]));
    expect(c.reverse([])).toEqual(new Int32Array([]));
    expect(c.bytesLen(new Uint8Array([1, 2, 3]))).toBe(3);
    expect(c.scale([1.5, -2], 2)).toEqual(new Float64Array([3, -4]));
    expect(c.split('a,b,,c')).toEqual(['a', 'b', '', 'c']); // list<string>: plain array
    expect(c.split('')).toEqual(['']);
    expect(c.split('é,😀')).toEqual(['é', '😀']);
    expect(c.join(['a', 'b', 'c'], ', ')).toBe('a, b, c');
    expect(c.join([], '-')).toBe('');
  });
});

describe('records and variants through jco', () => {
  it('maps records, variants, enums, flags, options, results and tuples', async () => {
    const { geometry: g, 'example:shapes/geometry@1.2.0': full } = await loadWithJco('records-variants');
    expect(full).toBe(g); // the interface is exported under both names
    expect(g.area({ tag: 'circle', val: 1 })).toBe(Math.PI); // variant: { tag, val }
    expect(g.area({ tag: 'rect', val: { x: 2, y: -3 } })).toBe(6); // record: object
    expect(g.area({ tag: 'empty' })).toBe(0);
    expect(g.totalArea([{ tag: 'circle', val: 1 }, { tag: 'rect', val: { x: 2, y: 3 } }, { tag: 'empty' }]))
      .toBe(Math.PI + 6);
    expect(g.translate({ x: 1, y: 2 }, 0.5, -1)).toEqual({ x: 1.5, y: 1 });
    expect(g.nextColor('blue')).toBe('red'); // enum: the case name as a string
    expect(g.toggle({ read: true })).toEqual({ read: false, write: true, exec: true }); // flags: booleans
    expect(g.toggle({})).toEqual({ read: true, write: true, exec: true });
    expect(g.label({ tag: 'rect', val: { x: 2, y: 3 } }, 'green'))
      .toEqual({ name: 'rect', color: 'green', area: 6 });
    expect(g.safeDiv(1, 4)).toBe(0.25); // a top-level result returns its ok value...
    const err = thrown(() => g.safeDiv(1, 0)); // ...and throws a ComponentError for err
    expect(err.name === 'ComponentError' || err.constructor.name === 'ComponentError').toBe(true);
    expect(err.message).toBe('division by zero');
    expect(err.payload).toBe('division by zero');
    expect(g.find([5, 6], 6)).toBe(1); // option<T>: the value, or undefined for none
    expect(g.find([5], 9)).toBeUndefined();
    expect(g.orDefault(undefined, 9)).toBe(9);
    expect(g.orDefault(3, 9)).toBe(3);
    expect(g.okOrLen({ tag: 'ok', val: 4 })).toBe(4); // result as a parameter: { tag, val }
    expect(g.okOrLen({ tag: 'err', val: 'héllo' })).toBe(6);
    expect(g.pair(7, 'x€')).toEqual(['x€', 7]); // tuple: array
  });
});

describe('resources through jco', () => {
  it('constructs, calls methods, borrows, consumes and destroys counters', async () => {
    const { counting: k } = await loadWithJco('resources');
    const counter = new k.Counter(5); // resource: a class; constructor via new
    expect(counter.increment()).toBe(6);
    expect(counter.increment()).toBe(7);
    expect(counter.get()).toBe(7);
    expect(k.peek(counter)).toBe(7); // borrow: the object stays usable
    expect(k.live()).toBe(1);
    expect(k.makeAndCount(4)).toBe(4); // new + drop inside one call runs the dtor
    expect(k.live()).toBe(1);
    expect(k.consume(counter)).toBe(7); // own: the handle moves into the call
    expect(k.live()).toBe(0);
    expect(() => counter.get()).toThrow(/not a valid "Counter" resource/i);
    const other = new k.Counter(1);
    expect(k.live()).toBe(1);
    other[Symbol.dispose](); // jco drops a handle through Symbol.dispose
    expect(k.live()).toBe(0);
  });
});

describe('imports through jco', () => {
  it('calls the imported logging and foreign interface', async () => {
    const logs: unknown[] = [];
    // jco's instantiation glue looks imports up by unversioned interface names
    const c = await loadWithJco('imports-logging', {
      'wasi:logging/logging': { log: (...args: unknown[]) => logs.push(args) },
      'example:missing/thing': { frob: (x: number) => x * 2, describe: (x: number) => `#${x} ✓` },
    });
    expect(c.run(5)).toBe(11);
    expect(c.run(200)).toBe(401);
    expect(c.runDescribe(7)).toBe('#7 ✓');
    expect(logs).toEqual([
      ['info', 'imports-logging', 'run called'], // enum argument: the case name
      ['info', 'imports-logging', 'run called'],
      ['warn', 'imports-logging', 'x is large'],
      ['debug', 'imports-logging', '#7 ✓'],
    ]);
  });

  it('fails to instantiate without the missing interface', async () => {
    const logging = { log: () => {} };
    await expect(loadWithJco('imports-logging', { 'wasi:logging/logging': logging }))
      .rejects.toThrow(/example:missing\/thing/);
  });
});

describe('the new fixtures through jco', () => {
  it('many-arguments: 16 flat parameters, and 17 passed through memory', async () => {
    const c = await loadWithJco('many-arguments');
    const ones = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    expect(c.manyArguments(...ones(16).map(BigInt))).toBe(1496n); // sum of i * i
    expect(c.manyArguments(...ones(16).map(() => 2n ** 63n))).toBe(0n); // wraps at 2^64
    expect(c.tooManyArguments(...ones(17))).toBe(1785);
    expect(c.tooManyArguments(...ones(17).map(() => 4294967295))).toBe((-153 >>> 0)); // wraps at 2^32
  });

  it('composed: calls between nested component instances', async () => {
    const c = await loadWithJco('composed');
    expect(c.octo(3)).toBe(24);
    expect(c.api.quad(5)).toBe(20);
    expect(c.api.double(7)).toBe(14);
  });

  it('builtins: context.set/get and resource.new/rep/drop', async () => {
    const c = await loadWithJco('builtins');
    expect(c.tripled(5)).toBe(15);
    expect(c.throughToken(41)).toBe(42);
  });
});
