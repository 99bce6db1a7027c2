// A Node Host as a ProbeHost: the probes call it directly.
import type { Host } from '../../src/create-host.js';
import { stallingProvider, type ProbeHost, type ProbeWorkload } from '../../src/conformance/probe-host.js';
import type { IsolationEvent } from '../../src/runtime/isolated-workload.js';

/** Wraps a Host for the workload probes. */
export function nodeProbeHost(host: Host): ProbeHost {
  return {
    async start(bytes, options): Promise<ProbeWorkload> {
      const component = await host.load(bytes);
      const events: IsolationEvent[] = [];
      const providers = options.stall ? [stallingProvider()] : undefined;
      if (!options.limits) {
        const w = await host.instantiate(component, { name: options.name, grants: options.grants, providers });
        return { call: async (t, ...args) => w.call(t, ...args), events: async () => events, close: async () => w.close() };
      }
      const w = await host.startIsolated(component, { name: options.name, grants: options.grants, providers, limits: options.limits, onEvent: (e) => events.push(e) });
      return { call: (t, ...args) => w.call(t, ...args), events: async () => events, close: () => w.close() };
    },
    offers: async () => host.providers.flatMap((p) => p.offers.map((o) => ({ name: o.name, version: o.version, provider: p.name }))),
  };
}
