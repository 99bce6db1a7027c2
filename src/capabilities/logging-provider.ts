import type { CapabilityProvider, LogEntry } from './provider.js';

/** `wasi:logging/logging`: a workload's log lines go to the host's log, tagged with the workload. */
export function createLoggingProvider(): CapabilityProvider {
  return {
    name: 'logging',
    offers: [{ name: 'wasi:logging/logging', version: '0.1.0-draft' }],
    create: (ctx) => ({
      'wasi:logging/logging': {
        log(level: LogEntry['level'], context: string, message: string) {
          ctx.log({ workload: ctx.workload, level, context, message });
        },
      },
    }),
  };
}
