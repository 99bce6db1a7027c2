import type { CapabilityProvider } from './provider.js';

/** `wasi:config/store`: the workload's configuration values (deployment parameters, `--config`). */
export function createConfigProvider(): CapabilityProvider {
  return {
    name: 'config',
    offers: [{ name: 'wasi:config/store', version: '0.2.0-draft' }],
    create: (ctx) => ({
      'wasi:config/store': {
        get: (key: string): string | undefined => (Object.prototype.hasOwnProperty.call(ctx.config, key) ? ctx.config[key] : undefined),
        getAll: (): [string, string][] => Object.entries(ctx.config),
      },
    }),
  };
}
