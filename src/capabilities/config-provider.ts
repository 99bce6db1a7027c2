import { vendoredOffers } from './vendored-offers.js';
import type { CapabilityProvider } from './provider.js';

/** `wasi:config/store` (0.2.0-draft and 0.2.0-rc.1, the same interface): the workload's configuration values (deployment parameters, `--config`). */
export function createConfigProvider(): CapabilityProvider {
  return {
    name: 'config',
    offers: vendoredOffers('wasi:config', ['store']),
    create: (ctx) => ({
      'wasi:config/store': {
        get: (key: string): string | undefined => (Object.prototype.hasOwnProperty.call(ctx.config, key) ? ctx.config[key] : undefined),
        getAll: (): [string, string][] => Object.entries(ctx.config),
      },
    }),
  };
}
