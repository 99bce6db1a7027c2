import { vendoredOffers } from './vendored-offers.js';
import type { CapabilityProvider, LogEntry } from './provider.js';

/** `wasi:logging/logging` (each version in wit/deps/): a workload's log lines go to the host's log, tagged with the workload. */
export function createLoggingProvider(): CapabilityProvider {
  return {
    name: 'logging',
    offers: vendoredOffers('wasi:logging', ['logging']),
    create: (ctx) => ({
      'wasi:logging/logging': {
        log(level: LogEntry['level'], context: string, message: string) {
          ctx.log({ workload: ctx.workload, level, context, message });
        },
      },
    }),
  };
}
