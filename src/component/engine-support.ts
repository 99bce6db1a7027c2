// What in a component the engine at hand cannot run, found before anything is transpiled:
// core modules that do not compile here (wasm-gc on Node 20's V8), the async canonical ABI
// (WASI P3) without JSPI, and HTTP handlers where nothing serves HTTP (a page, or `run`).

import { ByteReader } from './decode/byte-reader.js';
import { readSection } from './decode/sections.js';
import type { ComponentWorld, WitFunction, WitType, WorldItem } from './wit-types.js';

/** What the running engine can do; the platform measures it (`WebAssembly.validate`, `WebAssembly.promising`). */
export interface EngineFeatures {
  /** A name for messages: `V8 11.3 (Node 20.20.2)`. */
  name: string;
  /** Why this core module does not compile here, or undefined if it does. */
  compileError(module: Uint8Array): string | undefined;
  /** JS Promise Integration, which jco's glue needs for async-lifted functions. */
  jspi: boolean;
}

/** One thing in the component the engine cannot run, with what would make it run. */
export interface EngineProblem {
  feature: 'wasm-gc' | 'core-compile' | 'async-abi' | 'http-handler' | 'http-outgoing';
  problem: string;
  fix: string;
}

/**
 * Where an HTTP handler would run: `serve` where an HTTP listener fronts it (a Linux device:
 * `wasmhost serve-http`, or the agent's `http` trigger); `call` where exports are called
 * directly (`wasmhost run`); `no-listener` on a device class without an HTTP server (browser).
 */
export type HttpServing = 'serve' | 'call' | 'no-listener';

/** Every reason this engine cannot run the component; empty when it can. */
export function findEngineProblems(bytes: Uint8Array, world: ComponentWorld, engine: EngineFeatures, file?: string, http: HttpServing = 'serve'): EngineProblem[] {
  const problems: EngineProblem[] = [];
  coreModules(bytes).forEach((module, i) => {
    const error = engine.compileError(module);
    if (error === undefined) return;
    problems.push(usesGcTypes(module)
      ? { feature: 'wasm-gc', problem: `core module ${i} uses wasm-gc (struct, array or typed reference types), which ${engine.name} cannot compile`, fix: 'run it on an engine with wasm-gc (Node ≥ 22, Chromium), or build it for linear memory' }
      : { feature: 'core-compile', problem: `core module ${i} does not compile on ${engine.name}: ${error}`, fix: 'build it without the WebAssembly proposals this engine lacks, or run it on a newer engine' });
  });
  const asyncUse = findAsync(world);
  if (asyncUse && !engine.jspi) {
    problems.push({
      feature: 'async-abi',
      problem: `it uses the async component model (WASI P3: ${asyncUse}), which needs JS Promise Integration (WebAssembly.promising), missing in ${engine.name}`,
      fix: 'build it for WASI 0.2 (synchronous functions, no stream or future), or run it where JSPI exists (Chromium)',
    });
  }
  problems.push(...httpHandlerProblems(world, http, file));
  return problems;
}

/**
 * An HTTP handler needs an HTTP listener in front of it: served on Linux devices, refused elsewhere
 * with the reason; and a page sends no HTTP for a workload (said why).
 */
export function httpHandlerProblems(world: ComponentWorld, http: HttpServing, file = '<component.wasm>'): EngineProblem[] {
  const sender = world.imports.find((i) => i.kind === 'interface' && i.interface.name.startsWith('wasi:http/outgoing-handler'));
  const outgoing: EngineProblem[] = sender && sender.kind === 'interface' && http === 'no-listener' ? [{
    feature: 'http-outgoing',
    problem: `it sends HTTP requests (it imports ${sender.interface.name}), which a page does not offer: the import is synchronous and the browser's fetch answers through a Promise, which a workload's worker cannot wait for without JSPI (an Atomics channel to fetch on the page's side is not built)`,
    fix: 'deploy it to a Linux device, with the origins it may reach in grants.http.allow',
  }] : [];
  const handler = world.exports.find((e) => e.kind === 'interface' && e.interface.name.startsWith('wasi:http/incoming-handler'));
  if (!handler || handler.kind !== 'interface' || http === 'serve') return outgoing;
  return [...outgoing, http === 'call'
    ? {
        feature: 'http-handler',
        problem: `it is an HTTP component (it exports ${handler.interface.name}): its handler takes a request and answers through a response-outparam, so it is served, not called`,
        fix: `serve it with \`wasmhost serve-http ${file} --listen 127.0.0.1:8080\` and send it requests, or deploy it with an http trigger`,
      }
    : {
        feature: 'http-handler',
        problem: `it is an HTTP component (it exports ${handler.interface.name}), and a device of class browser has no HTTP listener to serve it from`,
        fix: 'deploy it to a Linux device (wasmhost agent --http-port) with an http trigger',
      }];
}

/** How a device of this class serves HTTP handlers (an unknown class: as a Linux device does). */
export function httpServingOf(deviceClass: string | undefined): HttpServing {
  return deviceClass === 'browser' ? 'no-listener' : 'serve';
}

/** Every core module of the component, nested components' included, in binary order. */
export function coreModules(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array[] {
  const out: Uint8Array[] = [];
  const r = new ByteReader(bytes, start + 8, end);
  while (!r.done()) {
    const s = readSection(r, []);
    if (s.id === 1) out.push(bytes.subarray(s.reader.pos, s.reader.end));
    else if (s.id === 4) out.push(...coreModules(bytes, s.reader.pos, s.reader.end));
  }
  return out;
}

/** Whether a core module's type section declares GC types (rec groups, sub types, structs, arrays) or typed references. */
function usesGcTypes(module: Uint8Array): boolean {
  try {
    const r = new ByteReader(module, 8, module.length);
    while (!r.done()) {
      const s = readSection(r, []);
      if (s.id !== 1) continue;
      const t = s.reader;
      for (let n = t.count(); n > 0; n--) {
        if (t.u8() !== 0x60) return true;
        for (let list = 0; list < 2; list++) {
          for (let k = t.count(); k > 0; k--) if ([0x63, 0x64].includes(t.u8())) return true;
        }
      }
      return false;
    }
  } catch {
    return false; // a module the engine cannot read is reported by its compile error alone
  }
  return false;
}

/** The first use of the async ABI in the world (`async func tick`, `stream<u8>`), for messages. */
function findAsync(world: ComponentWorld): string | undefined {
  const items: WorldItem[] = [...world.imports, ...world.exports];
  for (const item of items) {
    const fns: WitFunction[] = item.kind === 'function' ? [item.function] : item.kind === 'interface' ? item.interface.functions : [];
    for (const f of fns) {
      if (f.async) return `async func ${f.name}`;
      const found = [...f.params.map((p) => p.type), ...(f.result ? [f.result] : [])].map(asyncType).find(Boolean);
      if (found) return `${found} in ${f.name}`;
    }
    if (item.kind === 'type' && item.type.type.kind !== 'resource') {
      const found = asyncType(item.type.type);
      if (found) return `${found} in type ${item.type.name}`;
    }
  }
  return undefined;
}

function asyncType(type: WitType): string | undefined {
  switch (type.kind) {
    case 'stream': case 'future': return type.type ? `${type.kind}<${describe(type.type)}>` : type.kind;
    case 'error-context': return 'error-context';
    case 'list': return asyncType(type.element);
    case 'option': return asyncType(type.type);
    case 'tuple': return type.types.map(asyncType).find(Boolean);
    case 'record': return type.fields.map((f) => asyncType(f.type)).find(Boolean);
    case 'variant': return type.cases.map((c) => (c.type ? asyncType(c.type) : undefined)).find(Boolean);
    case 'result': return [type.ok, type.err].map((t) => (t ? asyncType(t) : undefined)).find(Boolean);
    default: return undefined;
  }
}

function describe(type: WitType): string {
  return type.kind === 'primitive' ? type.name : (type as { name?: string }).name ?? type.kind;
}
