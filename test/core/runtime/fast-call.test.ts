import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../src/create-host.js';
import { createMemoryArtifactCache } from '../../../src/memory/memory-artifact-cache.js';
import { fastCall } from '../../../src/runtime/fast-call.js';
import { exportedFunctions } from '../../../src/runtime/export-path.js';
import type { Component } from '../../../src/component/component.js';
import type { CapabilityProvider } from '../../../src/capabilities/provider.js';
import type { WitPrimitive, WitType } from '../../../src/component/wit-types.js';
import { createJcoEngine } from '../../../src/component/jco-engine.js';
import { buildImports } from '../../../src/capabilities/build-imports.js';
import { createLoggingProvider } from '../../../src/capabilities/logging-provider.js';
import { createWasiProvider } from '../../../host-node/wasi-provider.js';
import { WAT_COMPONENTS, watComponentPath } from '../../support/wat-components.js';

// The fast path must agree with jco's glue on every scalar export of every test
// component: same values, same refusals, same traps. Components whose structure the
// fast path does not model (composed, canonical built-ins, function imports) must not
// take it: called directly, composed and builtins trap where jco answers.

const SAMPLES: Record<WitPrimitive, unknown[]> = {
  bool: [true, false],
  s8: [-128, -1, 0, 1, 127], u8: [0, 1, 200, 255],
  s16: [-32768, -1, 0, 32767], u16: [0, 1, 65535],
  s32: [-2147483648, -7, 0, 1, 2147483647], u32: [0, 1, 2 ** 31, 4294967295],
  s64: [-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n], u64: [0n, 1n, 2n ** 63n, 2n ** 64n - 1n],
  f32: [0, -1.5, 3.25, Number.NaN, Number.POSITIVE_INFINITY], f64: [0, -1.5, 1e300, Number.NaN, Number.NEGATIVE_INFINITY],
  char: ['a', 'z', 'é', '😀'], string: [],
};

// Exports whose cost grows with an argument get small ones (make-and-count loops n times).
const BOUNDED: Record<string, unknown[][]> = {
  'make-and-count': [[0], [1], [7], [300], [2]],
};

/** Why each fixture may not take the fast path (undefined: it may). */
const BLOCKERS: Record<(typeof WAT_COMPONENTS)[number], string | undefined> = {
  scalars: undefined,
  strings: undefined,
  lists: undefined,
  'records-variants': undefined, // wit-component's type-only shim components are modelled
  'many-arguments': undefined,
  resources: 'it has more than one core module', // wit-component's shim and fixup modules for the resource's destructor
  'imports-logging': 'it imports functions',
  'rich-types': 'it imports functions',
  composed: 'it nests a component with code or instances of its own',
  builtins: 'it uses the canonical built-in resource.new',
};

function samplesFor(name: string, params: WitType[], row: number): unknown[] {
  if (BOUNDED[name]) return BOUNDED[name][row];
  return params.map((t, i) => {
    const pool = SAMPLES[(t as { name: WitPrimitive }).name];
    return pool[(row + i) % pool.length];
  });
}

function outcome(fn: () => unknown): unknown {
  try {
    return { value: fn() };
  } catch (e) {
    return { threw: (e as Error).constructor.name === 'RuntimeError' ? 'trap' : 'error' };
  }
}

async function fixtureComponents(): Promise<[(typeof WAT_COMPONENTS)[number], Uint8Array][]> {
  const out: [(typeof WAT_COMPONENTS)[number], Uint8Array][] = [];
  for (const name of WAT_COMPONENTS) out.push([name, await readFile(await watComponentPath(name))]);
  return out;
}

/** WASI for WASI imports, stubs for every other import (functions throw; resources are empty classes), so components with imports still instantiate. */
function stubProviders(component: Component): CapabilityProvider[] {
  return [createWasiProvider(), ...component.world.imports.flatMap((item) => {
    if (item.kind !== 'interface' || item.interface.name.startsWith('wasi:')) return [];
    const name = item.interface.name.split('@')[0];
    const impl: Record<string, unknown> = {};
    const camel = (n: string) => n.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    for (const f of item.interface.functions) impl[camel(f.name)] = () => { throw new Error('stub'); };
    for (const t of item.interface.types) if (t.type.kind === 'resource') impl[camel(`-${t.name}`)] = class {};
    return [{ name: 'stub', offers: [{ name, version: item.interface.package?.version }], create: () => ({ [name]: impl }) }];
  })];
}

describe('fast scalar calls agree with jco', async () => {
  const host = createHost({ artifactCache: createMemoryArtifactCache(), log: () => {} });
  for (const [name, bytes] of await fixtureComponents()) {
    it(`${name}: every scalar-only export`, async () => {
      const component = await host.load(bytes);
      expect(component.fastPathBlocker).toBe(BLOCKERS[name]);
      const providers = stubProviders(component);
      const engine = createJcoEngine({ cache: createMemoryArtifactCache() });
      const prepared = await engine.prepare(component);
      let checked = 0;
      for (const entry of exportedFunctions(component.world)) {
        const scalar = entry.function.params.every((p) => p.type.kind === 'primitive' && p.type.name !== 'string') &&
          (!entry.function.result || (entry.function.result.kind === 'primitive' && entry.function.result.name !== 'string'));
        if (!scalar || entry.function.name.startsWith('[')) continue;
        for (let row = 0; row < 5; row++) {
          const args = samplesFor(entry.function.name, entry.function.params.map((p) => p.type), row);
          // Fresh instances per comparison: a trap must not leak into the next call.
          const viaFast = await host.instantiate(component, { providers, fastCalls: true });
          const viaJco = await host.instantiate(component, { providers, fastCalls: false });
          const instance = await prepared.instantiate(buildImports(component.world, [...providers, createLoggingProvider()], { workload: 't', config: {}, grants: {}, log: () => {} }));
          if (component.fastPathBlocker === undefined) {
            // Direct calls are offered for every scalar export within the flattening limit.
            expect(fastCall(entry, instance.coreInstances) !== undefined, entry.path).toBe(entry.function.params.length <= 16);
          }
          const a = outcome(() => viaFast.call(entry.path, ...args));
          const b = outcome(() => viaJco.call(entry.path, ...args));
          expect(a, `${entry.path}(${args.map(String).join(', ')})`).toEqual(b);
          checked++;
        }
      }
      if (name === 'scalars') expect(checked).toBeGreaterThanOrEqual(40);
      if (name === 'composed') expect(checked).toBe(15);
      if (name === 'builtins' || name === 'many-arguments') expect(checked).toBe(10);
    });
  }
});
