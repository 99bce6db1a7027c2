import { WasmhostError } from '../errors.js';
import type { CoreInstance } from '../component/engine.js';
import type { WitFunction, WitPrimitive, WitType } from '../component/wit-types.js';
import type { ExportCall } from './call-export.js';
import type { ExportedFunction } from './export-path.js';

// jco 1.35's glue builds task objects and debug-log records on every call (~1.6 µs).
// For a function whose parameters and result are all scalars, the canonical ABI's
// lift and lower are plain conversions, so the host calls the core export itself
// and converts values as the canonical ABI says. Anything else goes through jco.
// Only for components whose structure proves the glue does nothing else on a call
// (component/fast-path-blocker.ts): the caller checks `Component.fastPathBlocker`.

type Lower = (value: unknown, index: number) => unknown;
type Lift = (raw: unknown) => unknown;

const INT_RANGES: Partial<Record<WitPrimitive, [number, number]>> = {
  s8: [-128, 127], u8: [0, 255], s16: [-32768, 32767], u16: [0, 65535],
  s32: [-2147483648, 2147483647], u32: [0, 4294967295],
};

/** The canonical ABI's MAX_FLAT_PARAMS: past it, parameters are passed in memory. */
const MAX_FLAT_PARAMS = 16;

/**
 * A direct caller for a scalar-only export, or undefined when the signature or the
 * core instance does not allow one (more than 16 parameters go through memory). The core export is found by wit-component's
 * naming (`func`, `pkg:ns/iface@ver#func`); a post-return function is called if present.
 */
export function fastCall(entry: ExportedFunction, coreInstances: readonly CoreInstance[]): ExportCall | undefined {
  const fn = entry.function;
  if (fn.async || fn.name.startsWith('[') || fn.params.length > MAX_FLAT_PARAMS) return undefined;
  const lowers = fn.params.map((p) => lowerFor(p.type, fn, p.name));
  const lift = fn.result === undefined ? () => undefined : liftFor(fn.result);
  if (lowers.some((l) => !l) || !lift) return undefined;
  const core = findCoreExport(entry.path, coreInstances);
  if (!core) return undefined;
  const { func, postReturn } = core;
  const arity = lowers.length;
  const [l0, l1] = lowers as Lower[];
  if (arity === 1 && !postReturn) return (...args) => (checkArity(args, 1, fn), lift(func(l0(args[0], 0))));
  if (arity === 2 && !postReturn) return (...args) => (checkArity(args, 2, fn), lift(func(l0(args[0], 0), l1(args[1], 1))));
  return (...args) => {
    checkArity(args, arity, fn);
    const raw = func(...args.map((a, i) => (lowers[i] as Lower)(a, i)));
    const value = lift(raw);
    postReturn?.(raw);
    return value;
  };
}

function checkArity(args: unknown[], arity: number, fn: WitFunction): void {
  if (args.length !== arity) throw new WasmhostError('bad-input', `${fn.name} takes ${arity} argument(s), got ${args.length}`);
}

function findCoreExport(path: string, instances: readonly CoreInstance[]) {
  for (const { instance } of instances) {
    const func = instance.exports[path];
    if (typeof func === 'function') {
      const post = instance.exports[`cabi_post_${path}`];
      return { func: func as (...a: unknown[]) => unknown, postReturn: typeof post === 'function' ? (post as (r: unknown) => void) : undefined };
    }
  }
  return undefined;
}

function lowerFor(type: WitType, fn: WitFunction, param: string): Lower | undefined {
  if (type.kind !== 'primitive') return undefined;
  const bad = (v: unknown, what: string) =>
    new WasmhostError('bad-input', `${fn.name}: parameter ${param} expects ${what}, got ${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)}`);
  const name = type.name;
  const range = INT_RANGES[name];
  if (range) {
    const [lo, hi] = range;
    return (v) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw bad(v, `${name} (${lo}..${hi})`);
      return v | 0;
    };
  }
  switch (name) {
    case 'bool': return (v) => { if (typeof v !== 'boolean') throw bad(v, 'bool'); return v ? 1 : 0; };
    case 'f32': case 'f64': return (v) => { if (typeof v !== 'number') throw bad(v, name); return v; };
    case 's64': case 'u64': {
      const [lo, hi] = name === 's64' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
      return (v) => {
        if (typeof v !== 'bigint' || v < lo || v > hi) throw bad(v, `${name} as a bigint`);
        return BigInt.asIntN(64, v);
      };
    }
    case 'char': return (v) => {
      const cp = typeof v === 'string' ? v.codePointAt(0) : undefined;
      if (cp === undefined || String.fromCodePoint(cp) !== v || (cp >= 0xd800 && cp <= 0xdfff)) throw bad(v, 'char (one Unicode scalar value)');
      return cp;
    };
    default: return undefined;
  }
}

function liftFor(type: WitType): Lift | undefined {
  if (type.kind !== 'primitive') return undefined;
  switch (type.name) {
    case 'bool': return (r) => (r as number) !== 0;
    case 's8': return (r) => ((r as number) << 24) >> 24;
    case 'u8': return (r) => (r as number) & 0xff;
    case 's16': return (r) => ((r as number) << 16) >> 16;
    case 'u16': return (r) => (r as number) & 0xffff;
    case 's32': return (r) => r as number;
    case 'u32': return (r) => (r as number) >>> 0;
    case 's64': return (r) => r as bigint;
    case 'u64': return (r) => BigInt.asUintN(64, r as bigint);
    case 'f32': case 'f64': return (r) => r as number;
    case 'char': return (r) => {
      const cp = r as number;
      if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new WasmhostError('trap', `component returned an invalid char code point ${cp}`);
      return String.fromCodePoint(cp);
    };
    default: return undefined;
  }
}
