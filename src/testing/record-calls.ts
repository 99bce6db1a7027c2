import type { CapabilityProvider } from '../capabilities/provider.js';

/** One call a workload made into a capability, as a test sees it. */
export interface CapabilityCall {
  workload: string;
  /** Interface name without version: `wasmhost:device/sensors`. */
  interface: string;
  /** jco's name of the function: `read`, `getAll`. */
  function: string;
  args: unknown[];
  /** `ok` with the returned value, `err` with the interface error it got, `trap` when the provider threw. */
  outcome: { tag: 'ok'; val: unknown } | { tag: 'err'; val: unknown } | { tag: 'trap'; message: string };
}

/**
 * Wraps a provider so that every call of a plain function in its implementations is
 * recorded (resource classes pass through unrecorded: their handles are jco's business).
 */
export function recordCalls(provider: CapabilityProvider, sink: (call: CapabilityCall) => void): CapabilityProvider {
  return {
    ...provider,
    create(context) {
      const created = provider.create(context);
      const wrapped: Record<string, unknown> = {};
      for (const [iface, impl] of Object.entries(created)) {
        wrapped[iface] = impl && typeof impl === 'object' ? wrapInterface(iface, impl as Record<string, unknown>, context.workload, sink) : impl;
      }
      return wrapped;
    },
  };
}

function wrapInterface(iface: string, impl: Record<string, unknown>, workload: string, sink: (call: CapabilityCall) => void) {
  const out: Record<string | symbol, unknown> = {};
  // Symbol-keyed entries are the host's own (wasi:http/types carries its `serve`): kept as they are.
  for (const key of Object.getOwnPropertySymbols(impl)) out[key] = (impl as Record<symbol, unknown>)[key];
  for (const [name, value] of Object.entries(impl)) {
    const isClass = typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
    if (typeof value !== 'function' || isClass) {
      out[name] = value;
      continue;
    }
    out[name] = (...args: unknown[]) => {
      const record = (outcome: CapabilityCall['outcome']) => sink({ workload, interface: iface, function: name, args, outcome });
      try {
        const val = (value as (...a: unknown[]) => unknown)(...args);
        record({ tag: 'ok', val });
        return val;
      } catch (error) {
        if (error !== null && typeof error === 'object' && 'payload' in error && !(error instanceof Error)) {
          record({ tag: 'err', val: (error as { payload: unknown }).payload });
        } else {
          record({ tag: 'trap', message: error instanceof Error ? error.message : String(error) });
        }
        throw error;
      }
    };
  }
  return out;
}
