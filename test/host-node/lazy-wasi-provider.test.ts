// The WASI provider loaded on first use offers exactly what preview2-shim's provider offers,
// refuses `create` until prepared, then builds the same imports.
import { describe, expect, it } from 'vitest';
import { createLazyWasiProvider } from '../../host-node/lazy-wasi-provider.js';
import { createWasiProvider } from '../../host-node/wasi-provider.js';

const context = { workload: 'w', config: {}, grants: {}, log: () => {} };

describe('the lazy WASI provider', () => {
  it('offers what the shim provider offers (interfaces, versions, grants)', () => {
    expect(createLazyWasiProvider().offers).toEqual(createWasiProvider().offers);
  });

  it('refuses create before prepare, then builds the shim provider imports', async () => {
    const lazy = createLazyWasiProvider();
    expect(() => lazy.create(context)).toThrow(/before prepare\(\) loaded preview2-shim/);
    await lazy.prepare!();
    const imports = lazy.create(context);
    expect(Object.keys(imports).sort()).toEqual(Object.keys(createWasiProvider().create(context)).sort());
    expect(() => (imports['wasi:cli/exit'] as { exitWithCode(c: number): void }).exitWithCode(3)).toThrow(/exited with code 3/);
  });
});
