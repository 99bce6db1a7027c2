import { WasmhostError } from '../errors.js';
import { printFunction } from '../component/print-wit.js';
import type { EngineInstance } from '../component/engine.js';
import type { ExportedFunction } from './export-path.js';
import { jsName } from '../component/js-name.js';

/** A synchronous call into one export, with results in wasmhost's value model (a `result` is always `{tag, val}`). */
export type ExportCall = (...args: unknown[]) => unknown;

/** Binds an exported function of a live instance, normalising results and errors. */
export function bindExport(instance: EngineInstance, entry: ExportedFunction): ExportCall {
  const fn = entry.function;
  if (fn.name.startsWith('[')) {
    throw new WasmhostError('unsupported', `${entry.path} is a resource function; call it through a function that takes or returns the resource.`);
  }
  const owner = entry.interface ? interfaceObject(instance.exports, entry) : instance.exports;
  const target = owner[jsName(fn.name)];
  if (typeof target !== 'function') {
    throw new WasmhostError('unknown-export', `the instance has no callable '${entry.path}' (jco name ${jsName(fn.name)})`);
  }
  const wrapsResult = fn.result?.kind === 'result';
  const arity = fn.params.length;
  return (...args: unknown[]) => {
    if (args.length !== arity) {
      throw new WasmhostError('bad-input', `${entry.path} takes ${arity} argument(s), got ${args.length}: ${printFunction(fn)}`);
    }
    try {
      const value = (target as ExportCall)(...args);
      return wrapsResult ? { tag: 'ok', val: value } : value;
    } catch (error) {
      if (wrapsResult && isComponentError(error)) return { tag: 'err', val: error.payload };
      throw trapError(entry.path, error);
    }
  };
}

function interfaceObject(exports: Record<string, unknown>, entry: ExportedFunction): Record<string, unknown> {
  const iface = entry.interface!;
  const found = exports[iface.name] ?? exports[jsName(iface.interfaceName)];
  if (!found || typeof found !== 'object') {
    throw new WasmhostError('unknown-export', `the instance does not export interface ${iface.name}`);
  }
  return found as Record<string, unknown>;
}

function isComponentError(e: unknown): e is Error & { payload: unknown } {
  return e instanceof Error && Object.prototype.hasOwnProperty.call(e, 'payload');
}

/** Turns whatever a call threw into a WasmhostError that says which export failed and how. */
export function trapError(path: string, error: unknown): WasmhostError {
  if (error instanceof WasmhostError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new WasmhostError('trap', `${path} trapped: ${message}`, { cause: error, data: { export: path } });
}
