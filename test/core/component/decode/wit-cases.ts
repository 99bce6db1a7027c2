// A WIT package written for the decoder tests: every function line below is both
// the source (it is pasted into the WIT) and the expected `printFunction` output.

/** Types of `test:shapes/types@1.2.0` (WIT source lines). */
const TYPES = [
  'record point { x: s32, y: s32 }',
  'variant shape { circle(f64), rect(tuple<point, point>), empty }',
  'enum color { red, green, blue }',
  'flags perms { read, write, exec }',
  'type points = list<point>;',
];

/** The resource of `types`, with the expected line of each of its functions. */
const CANVAS = [
  'constructor(width: u32, height: u32)',
  'draw: func(s: shape, c: color) -> result<u32, string>',
  'pixels: func() -> list<u8>',
  'blank: static func() -> canvas',
];

/** Free functions of `types`. */
const TYPES_FUNCS = [
  'origin: func() -> point',
  'bounds: func(pts: points) -> option<tuple<point, point>>',
];

/** Functions of `test:shapes/api@1.2.0`, which `use`s types from `types`. */
const API_FUNCS = [
  'area: func(s: shape) -> f64',
  'centroid: func(pts: list<point>) -> option<point>',
  'check: func(p: perms) -> result<_, string>',
  'pair: func(a: tuple<u8, s64, string>) -> tuple<bool, char>',
  'paint: func(c: borrow<canvas>, shapes: list<shape>) -> result<u32>',
  'take: func(c: canvas)',
  'nothing: func()',
  'nested: func(x: option<option<list<result<point, string>>>>) -> result',
  'floats: func(a: f32, b: f64, c: u16, d: s16, e: u8, f: s8) -> list<u64>',
];

/** Functions of the foreign package interface `other:dep/log@0.3.1`. */
const LOG_FUNCS = ['log: func(l: level, msg: string)'];

/** World-level functions: [direction, line]. */
export const WORLD_FUNCS: ['import' | 'export', string][] = [
  ['import', 'poke: func() -> error-context'],
  ['export', 'ready: func() -> future<string>'],
  ['export', 'subscribe: func() -> stream'],
  ['export', 'run: async func(x: list<u8, 4>) -> stream<u8>'],
];

/** Expected `printFunction` lines per interface in the decoded world. */
export const EXPECTED: Record<string, string[]> = {
  'import test:shapes/types@1.2.0': [...CANVAS, ...TYPES_FUNCS],
  'export test:shapes/types@1.2.0': [...CANVAS, ...TYPES_FUNCS],
  'import other:dep/log@0.3.1': LOG_FUNCS,
  'export other:dep/log@0.3.1': LOG_FUNCS,
  'export test:shapes/api@1.2.0': API_FUNCS,
};

const semi = (l: string) => `    ${l};`;

/** The whole WIT source: package test:shapes@1.2.0 with a nested foreign package. */
export const SHAPES_WIT = `
package test:shapes@1.2.0;

package other:dep@0.3.1 {
  interface log {
    enum level { debug, info, warn }
    ${LOG_FUNCS.map((l) => `${l};`).join('\n')}
  }
}

interface types {
  ${TYPES.join('\n  ')}
  resource canvas {
${CANVAS.map(semi).join('\n')}
  }
${TYPES_FUNCS.map(semi).join('\n')}
}

interface api {
  use types.{point, shape, canvas, perms};
${API_FUNCS.map(semi).join('\n')}
}

world shapes {
  import types;
  import other:dep/log@0.3.1;
  export types;
  export api;
  export other:dep/log@0.3.1;
${WORLD_FUNCS.map(([d, l]) => `  ${d} ${l};`).join('\n')}
}
`;
