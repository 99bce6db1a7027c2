import { readFile } from 'node:fs/promises';
import { componentEmbed, componentNew } from '@bytecodealliance/jco';
import { describe, expect, it } from 'vitest';
import { printFunction, printType } from '../../../src/component/print-wit.js';
import { printWorld } from '../../../src/component/print-world.js';
import { readWorld } from '../../../src/component/read-world.js';
import type { ComponentWorld, WitFunction, WitType, WorldItem } from '../../../src/component/wit-types.js';
import { WAT_FIXTURES, watComponentPath } from '../../support/wat-components.js';
import { SHAPES_WIT } from './decode/wit-cases.js';

const u8: WitType = { kind: 'primitive', name: 'u8' };
const u32: WitType = { kind: 'primitive', name: 'u32' };
const str: WitType = { kind: 'primitive', name: 'string' };
const point: WitType = { kind: 'record', name: 'point', fields: [{ name: 'x', type: u32 }, { name: 'y', type: u32 }] };

describe('printType', () => {
  const cases: [WitType, string][] = [
    [u8, 'u8'],
    [{ kind: 'list', element: u8 }, 'list<u8>'],
    [{ kind: 'list', element: u8, length: 4 }, 'list<u8, 4>'],
    [{ kind: 'option', type: str }, 'option<string>'],
    [{ kind: 'result', ok: u32, err: str }, 'result<u32, string>'],
    [{ kind: 'result', ok: u32 }, 'result<u32>'],
    [{ kind: 'result', err: str }, 'result<_, string>'],
    [{ kind: 'result' }, 'result'],
    [{ kind: 'tuple', types: [u8, str, point] }, 'tuple<u8, string, point>'],
    [point, 'point'],
    [{ kind: 'list', element: point, name: 'points' }, 'points'],
    [{ kind: 'own', resource: 'canvas' }, 'canvas'],
    [{ kind: 'primitive', name: 'u64', alias: 'instant' }, 'instant'],
    [{ kind: 'list', element: { kind: 'primitive', name: 'u64', alias: 'instant' } }, 'list<instant>'],
    [{ kind: 'record', fields: [{ name: 'type', type: u8 }] }, 'record { %type: u8 }'],
    [{ kind: 'enum', cases: ['list', 'x'], name: 'record' }, '%record'],
    [{ kind: 'borrow', resource: 'canvas' }, 'borrow<canvas>'],
    [{ kind: 'future', type: str }, 'future<string>'],
    [{ kind: 'future' }, 'future'],
    [{ kind: 'stream', type: u8 }, 'stream<u8>'],
    [{ kind: 'stream' }, 'stream'],
    [{ kind: 'error-context' }, 'error-context'],
    [{ kind: 'record', fields: [{ name: 'a', type: u8 }] }, 'record { a: u8 }'],
    [{ kind: 'variant', cases: [{ name: 'a', type: u8 }, { name: 'b' }] }, 'variant { a(u8), b }'],
    [{ kind: 'enum', cases: ['x', 'y'] }, 'enum { x, y }'],
    [{ kind: 'flags', flags: ['r', 'w'] }, 'flags { r, w }'],
    [{ kind: 'option', type: { kind: 'list', element: { kind: 'result', ok: point, err: str } } }, 'option<list<result<point, string>>>'],
  ];
  for (const [type, text] of cases) it(text, () => expect(printType(type)).toBe(text));
});

describe('printFunction', () => {
  const cases: [WitFunction, string][] = [
    [{ name: 'nothing', params: [] }, 'nothing: func()'],
    [{ name: 'add', params: [{ name: 'a', type: u32 }, { name: 'b', type: u32 }], result: u32 }, 'add: func(a: u32, b: u32) -> u32'],
    [{ name: 'get', params: [], result: point, async: true }, 'get: async func() -> point'],
    [
      { name: '[constructor]canvas', kind: 'constructor', resource: 'canvas', params: [{ name: 'w', type: u32 }], result: { kind: 'own', resource: 'canvas' } },
      'constructor(w: u32)',
    ],
    [
      {
        name: '[constructor]canvas', kind: 'constructor', resource: 'canvas', params: [],
        result: { kind: 'result', ok: { kind: 'own', resource: 'canvas' }, err: str },
      },
      'constructor() -> result<canvas, string>',
    ],
    [
      {
        name: '[method]canvas.draw', kind: 'method', resource: 'canvas',
        params: [{ name: 'self', type: { kind: 'borrow', resource: 'canvas' } }, { name: 'p', type: point }], result: { kind: 'result', err: str },
      },
      'draw: func(p: point) -> result<_, string>',
    ],
    [
      { name: '[method]canvas.wait', kind: 'method', resource: 'canvas', async: true, params: [{ name: 'self', type: { kind: 'borrow', resource: 'canvas' } }] },
      'wait: async func()',
    ],
    [
      { name: '[static]canvas.merge', kind: 'static', resource: 'canvas', params: [{ name: 'a', type: { kind: 'own', resource: 'canvas' } }], result: { kind: 'own', resource: 'canvas' } },
      'merge: static func(a: canvas) -> canvas',
    ],
    [
      { name: '[static]canvas.count', kind: 'static', resource: 'canvas', async: true, params: [], result: u32 },
      'count: static async func() -> u32',
    ],
    [
      { name: 'legacy', params: [], result: { kind: 'record', fields: [{ name: 'a', type: u32 }, { name: 'b', type: str }] } },
      'legacy: func() -> (a: u32, b: string)',
    ],
  ];
  for (const [f, text] of cases) it(text, () => expect(printFunction(f)).toBe(text));
});

describe('printWorld', () => {
  const world: ComponentWorld = {
    imports: [
      {
        kind: 'interface',
        interface: {
          name: 'test:shapes/types@1.2.0', package: { namespace: 'test', name: 'shapes', version: '1.2.0' }, interfaceName: 'types',
          types: [
            { name: 'point', type: point },
            { name: 'level', type: { kind: 'enum', name: 'level', cases: ['debug', 'info'] } },
            { name: 'points', type: { kind: 'list', element: point, name: 'points' } },
            { name: 'where', type: point },
            { name: 'instant', type: { kind: 'primitive', name: 'u64', alias: 'instant' } },
            { name: 'canvas', type: { kind: 'resource' } },
            { name: 'error', type: { kind: 'resource' }, from: { interface: 'wasi:io/error@0.2.0', name: 'error' } },
            { name: 'e2', type: { kind: 'resource' }, from: { interface: 'wasi:io/error@0.2.0', name: 'error' } },
            { name: 'handle', type: { kind: 'resource' } },
          ],
          functions: [
            { name: '[constructor]canvas', kind: 'constructor', resource: 'canvas', params: [], result: { kind: 'own', resource: 'canvas' } },
            { name: 'origin', params: [{ name: 'flags', type: u8 }], result: point },
            { name: 'now', params: [], result: { kind: 'primitive', name: 'u64', alias: 'instant' } },
          ],
        },
      },
      { kind: 'function', function: { name: 'poke', params: [{ name: 'x', type: u8 }] } },
      { kind: 'type', type: { name: 'id', type: str } },
    ],
    exports: [
      { kind: 'interface', interface: { name: 'empty', interfaceName: 'empty', types: [], functions: [] } },
      { kind: 'function', function: { name: 'run', params: [], result: str } },
    ],
  };

  it('prints a WIT document: the world, then the packages of its interfaces, with uses, aliases and resources', () => {
    expect(printWorld(world)).toBe(`package root:component;

world root {
  import test:shapes/types@1.2.0;
  import poke: func(x: u8);
  type id = string;
  export empty: interface {}
  export run: func() -> string;
}

package test:shapes@1.2.0 {
  interface types {
    record point {
      x: u32,
      y: u32,
    }
    enum level { debug, info }
    type points = list<point>;
    type where = point;
    type instant = u64;
    resource canvas {
      constructor();
    }
    use wasi:io/error@0.2.0.{error};
    use wasi:io/error@0.2.0.{error as e2};
    resource handle;
    origin: func(%flags: u8) -> point;
    now: func() -> instant;
  }
}

package wasi:io@0.2.0 {
  interface error {
    resource error;
  }
}
`);
  });

  it('prints WIT that jco parses back: the same items and functions (jco drops the types no function uses)', async () => {
    const back = await roundTrip(printWorld(world));
    expect(back.imports.map(itemName).sort()).toEqual(['id', 'poke', 'test:shapes/types@1.2.0', 'wasi:io/error@0.2.0']);
    expect(back.exports.map(itemName).sort()).toEqual(['empty', 'run']);
    const functions = (w: ComponentWorld) => w.imports.flatMap((i) => (i.kind === 'interface' && i.interface.interfaceName === 'types' ? i.interface.functions.map(printFunction) : []));
    expect(functions(back).sort()).toEqual(functions(world).sort());
    expect(functions(back)).toContain('now: func() -> instant');
  });

  it('keeps alias names and groups resource functions in a fixture', async () => {
    const text = printWorld(readWorld(await readFile(await watComponentPath('rich-types'))));
    expect(text).toContain(`  interface host {
    resource blob {
      constructor(init: list<u8>);
      size: func() -> count;
      merge: static func(a: borrow<blob>, b: borrow<blob>) -> blob;
    }
    use types.{count};
`);
    expect(text).toContain('    type count = u32;\n');
    expect(text).toContain('    add-counts: func(a: count, b: count) -> count;\n');
    expect(text).toContain('    later: func(t: stamp, by: u32) -> stamp;\n');
    expect(text).toContain('    echo-labeled: func(a: labeled-alias) -> labeled;\n');
    expect(text).not.toMatch(/^\s*(import|export) (record|variant|enum|flags|type|use|resource)\b/m);
  });
});

/** World items in a fixed order (jco orders a re-made component's items its own way), interfaces' contents too. */
function normalized(w: ComponentWorld): ComponentWorld {
  const item = (i: WorldItem): WorldItem => i.kind !== 'interface' ? i : {
    kind: 'interface',
    interface: {
      ...i.interface,
      types: [...i.interface.types].sort((a, b) => a.name.localeCompare(b.name)),
      functions: [...i.interface.functions].sort((a, b) => a.name.localeCompare(b.name)),
    },
  };
  const sorted = (items: WorldItem[]) => items.map(item).sort((a, b) => itemName(a).localeCompare(itemName(b)));
  return { imports: sorted(w.imports), exports: sorted(w.exports) };
}

function itemName(i: WorldItem): string {
  return i.kind === 'interface' ? i.interface.name : i.kind === 'function' ? i.function.name : i.type.name;
}

/** Parses printed WIT with jco (as the source of a component with a dummy core module) and reads that component's world. */
async function roundTrip(wit: string): Promise<ComponentWorld> {
  return readWorld(await componentNew(await componentEmbed({ dummy: true, witSource: wit, world: 'root' })));
}

describe('printed worlds parse back through jco', () => {
  it.each(WAT_FIXTURES)('%s', async (name) => {
    const original = readWorld(await readFile(await watComponentPath(name)));
    expect(normalized(await roundTrip(printWorld(original)))).toEqual(normalized(original));
  });

  it('a component built from WIT with foreign packages, uses, async functions and streams', async () => {
    const original = readWorld(await componentNew(await componentEmbed({ dummy: true, witSource: SHAPES_WIT, world: 'test:shapes/shapes@1.2.0' })));
    expect(normalized(await roundTrip(printWorld(original)))).toEqual(normalized(original));
  });
});
