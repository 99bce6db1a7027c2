import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { printFunction, printType, printWorld } from '../../../src/component/print-wit.js';
import { readWorld } from '../../../src/component/read-world.js';
import type { ComponentWorld, WitFunction, WitType } from '../../../src/component/wit-types.js';

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
  it('lists imports then exports, with types, resources and their functions, and uses', () => {
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
              { name: 'canvas', type: { kind: 'resource' } },
              { name: 'error', type: { kind: 'resource' }, from: { interface: 'wasi:io/error@0.2.0', name: 'error' } },
              { name: 'e2', type: { kind: 'resource' }, from: { interface: 'wasi:io/error@0.2.0', name: 'error' } },
              { name: 'handle', type: { kind: 'resource' } },
            ],
            functions: [
              { name: '[constructor]canvas', kind: 'constructor', resource: 'canvas', params: [], result: { kind: 'own', resource: 'canvas' } },
              { name: 'origin', params: [], result: point },
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
    expect(printWorld(world)).toBe(`import test:shapes/types@1.2.0: interface {
  record point {
    x: u32,
    y: u32,
  }
  enum level { debug, info }
  type points = list<point>;
  type where = point;
  resource canvas {
    constructor();
  }
  use wasi:io/error@0.2.0.{error};
  use wasi:io/error@0.2.0.{error as e2};
  resource handle;
  origin: func() -> point;
}
import poke: func(x: u8);
import type id = string;
export empty: interface {}
export run: func() -> string;
`);
  });

  it('prints a fixture with resources grouped under their resource', () => {
    const fixtures = fileURLToPath(new URL('../../../../shared/fixtures/jco/', import.meta.url));
    const text = printWorld(readWorld(new Uint8Array(readFileSync(`${fixtures}resources.component.wasm`))));
    expect(text).toContain(`import imports: interface {
  resource y {
    constructor(a: s32);
    get-a: func() -> s32;
    set-a: func(a: s32);
    add: static func(y: y, a: s32) -> y;
  }
}
`);
    expect(text).toContain(`import wasi:cli/stderr@0.2.0: interface {
  use wasi:io/streams@0.2.0.{output-stream};
  get-stderr: func() -> output-stream;
}
`);
    expect(text).toContain(`  add: func(a: borrow<z>, b: borrow<z>) -> z;
  consume: func(x: x);
  test-imports: func() -> result<_, string>;
}
`);
  });
});
