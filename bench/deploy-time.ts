import { readFile } from 'node:fs/promises';
import { createHost } from '../src/create-host.js';
import { createAgent } from '../src/deploy/agent.js';
import { sha256Digest } from '../src/component/digest.js';
import { createMemoryArtifactCache } from '../src/memory/memory-artifact-cache.js';
import { createManualClock, createMemoryComponentStore, createMemoryFetcher, createMemoryStateStore } from '../src/memory/memory-agent-ports.js';
import type { DesiredDeployment } from '../src/deploy/types.js';
import { createDeviceProvider, createSimulatedDrivers } from '../src/capabilities/device-provider.js';
import { median, row } from './measure.js';

/**
 * Time from a new desired state to `installed` (agent: plan, fetch, digest check, load, grant
 * check, instantiate, triggers, status saved), against loading and instantiating the same
 * component directly on a host — both with the artifact already transpiled.
 */
export async function deployTime(componentPath: string, runs = 20): Promise<string[]> {
  const bytes = new Uint8Array(await readFile(componentPath));
  const digest = await sha256Digest(bytes);
  const cache = createMemoryArtifactCache();
  const providers = [createDeviceProvider(createSimulatedDrivers())];
  const grants = { actuators: ['*'] };
  const warmUp = createHost({ artifactCache: cache, providers, log: () => {} });
  await warmUp.engine.prepare(await warmUp.load(bytes));
  const direct: number[] = [];
  const viaAgent: number[] = [];
  const directOnce = async (host: ReturnType<typeof createHost>) => {
    const start = performance.now();
    (await host.instantiate(await host.load(bytes), { name: 'direct', grants })).close();
    direct.push(performance.now() - start);
  };
  for (let i = 0; i < runs; i++) {
    const host = createHost({ artifactCache: cache, providers, log: () => {} });
    // Alternate which goes first, so neither always runs on a warmer JIT.
    if (i % 2 === 0) await directOnce(host);

    const agent = createAgent({
      host, deviceId: 'bench', fetcher: createMemoryFetcher({ 'c.wasm': bytes }), components: createMemoryComponentStore(),
      state: createMemoryStateStore(), clock: createManualClock(), log: () => {},
    });
    const desired: DesiredDeployment = {
      id: `d${i}`, name: 'bench', applicationId: 'bench', version: '1',
      components: [{ name: 'c', packageLocation: 'c.wasm', digest, grants, config: {}, triggers: [], limits: { callTimeoutMs: 1000, memoryBytes: 2 ** 26, isolation: 'in-process' } }],
    };
    const start = performance.now();
    await agent.apply([desired]);
    viaAgent.push(performance.now() - start);
    if (i % 2 === 1) await directOnce(host);
    if (agent.statuses()[0]?.status.state !== 'installed') throw new Error(`bench deployment did not install: ${JSON.stringify(agent.statuses()[0])}`);
    agent.stop();
  }
  const base = { label: 'load + instantiate', value: median(direct) };
  return [
    `new desired state to installed, in-process, cached artifact (C example; median of ${runs}; ms)`,
    row('host.load + host.instantiate', base.value, 'ms'),
    row('agent.apply → installed', median(viaAgent), 'ms', base),
  ];
}
