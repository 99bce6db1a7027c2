import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../src/create-host.js';
import { createMemoryArtifactCache } from '../../../src/memory/memory-artifact-cache.js';
import { createManualClock, createMemoryComponentStore, createMemoryFetcher, createMemoryStateStore } from '../../../src/memory/memory-agent-ports.js';
import { createAgent } from '../../../src/deploy/agent.js';
import { sha256Digest } from '../../../src/component/digest.js';
import type { DeploymentStatus, DesiredDeployment, WorkloadSpec } from '../../../src/deploy/types.js';
import { watComponentPath } from '../../support/wat-components.js';

const LIMITS = { callTimeoutMs: 1000, memoryBytes: 64 << 20, isolation: 'in-process' as const };

async function setup() {
  const scalars = await readFile(await watComponentPath('scalars'));
  const strings = await readFile(await watComponentPath('strings'));
  const packages = { 'scalars.wasm': scalars, 'strings.wasm': strings, 'corrupt.wasm': strings };
  const fetcher = createMemoryFetcher(packages);
  const stateStore = createMemoryStateStore();
  const components = createMemoryComponentStore();
  const cache = createMemoryArtifactCache();
  const clock = createManualClock();
  const statuses: DeploymentStatus[] = [];
  const make = () => {
    const host = createHost({ artifactCache: cache, log: () => {} });
    const agent = createAgent({ host, deviceId: 'dev-1', fetcher, components, state: stateStore, clock, log: () => {}, onStatus: (s) => statuses.push(s) });
    return { host, agent };
  };
  const spec = async (over: Partial<WorkloadSpec> & { file: string }): Promise<WorkloadSpec> => ({
    name: 'main',
    packageLocation: over.file,
    // corrupt.wasm serves bytes that do not match the digest its deployment names.
    digest: over.file === 'corrupt.wasm' ? `sha256:${'f'.repeat(64)}` : await sha256Digest(packages[over.file as keyof typeof packages]),
    grants: {},
    config: {},
    triggers: [],
    limits: LIMITS,
    ...over,
  });
  return { make, fetcher, statuses, stateStore, clock, spec };
}

/** Lets trigger calls (asynchronous now) finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

const deployment = (id: string, version: string, components: WorkloadSpec[]): DesiredDeployment => ({ id, name: id, applicationId: 'app', version, components });
const states = (statuses: DeploymentStatus[], id: string) => statuses.filter((s) => s.deploymentId === id).map((s) => s.status.state);

describe('the agent', () => {
  it('installs, publishes interval results, updates, and removes, with Margo statuses', async () => {
    const { make, statuses, clock, spec } = await setup();
    const { host, agent } = make();
    const outputs: string[] = [];
    host.bus.subscribe('out/#', (m) => outputs.push(`${m.topic} ${new TextDecoder().decode(m.payload)}`));
    const v1 = deployment('calc', '1.0.0', [await spec({ file: 'scalars.wasm', triggers: [{ kind: 'interval', everyMs: 1000, export: 'add', args: ['2', '3'], output: 'out/sum' }] })]);
    await agent.apply([v1]);
    expect(states(statuses, 'calc')).toEqual(['pending', 'installing', 'installed']);
    clock.advance(2500);
    await settle();
    expect(outputs).toEqual(['out/sum 5', 'out/sum 5']);

    const v2 = deployment('calc', '2.0.0', [await spec({ file: 'scalars.wasm', triggers: [{ kind: 'interval', everyMs: 1000, export: 'add', args: ['40', '2'], output: 'out/sum' }] })]);
    await agent.apply([v2]);
    clock.advance(1000);
    await settle();
    expect(outputs.at(-1)).toBe('out/sum 42');
    expect(outputs).toHaveLength(3); // the old version's timer stopped
    expect(agent.workloads().map((w) => w.version)).toEqual(['2.0.0']);

    await agent.apply([]);
    expect(states(statuses, 'calc').slice(-2)).toEqual(['removing', 'removed']);
    clock.advance(5000);
    await settle();
    expect(outputs).toHaveLength(3);
    expect(agent.workloads()).toEqual([]);
  });

  it('keeps the old version serving when an update fails its digest check', async () => {
    const { make, statuses, spec } = await setup();
    const { agent } = make();
    await agent.apply([deployment('d', '1', [await spec({ file: 'scalars.wasm' })])]);
    await agent.apply([deployment('d', '2', [await spec({ file: 'corrupt.wasm' })])]);
    const last = statuses.at(-1)!;
    expect(last.status.state).toBe('failed');
    expect(last.status.error).toMatchObject({ code: 'bad-input', source: 'fetch' });
    expect(last.status.error!.message).toMatch(/digest mismatch.*\(version 1 keeps running\)/);
    expect(last.components).toEqual([{ name: 'main', state: 'failed', error: expect.objectContaining({ source: 'fetch' }) }]);
    expect(agent.workloads().map((w) => w.version)).toEqual(['1']);
    expect(agent.workloads()[0].dead).toBe(false);
  });

  it('fails a deployment whose trigger names no export, and runs nothing', async () => {
    const { make, statuses, spec } = await setup();
    const { agent } = make();
    await agent.apply([deployment('x', '1', [await spec({ file: 'scalars.wasm', triggers: [{ kind: 'interval', everyMs: 10, export: 'nope' }] })])]);
    expect(statuses.at(-1)!.status.error).toMatchObject({ code: 'unknown-export', source: 'trigger' });
    expect(agent.workloads()).toEqual([]);
  });

  it('restarts from persisted state without fetching again, and resumes unfinished installs', async () => {
    const { make, fetcher, stateStore, spec } = await setup();
    const first = make();
    await first.agent.apply([deployment('a', '1', [await spec({ file: 'scalars.wasm' })])]);
    first.agent.stop();
    // Simulate a crash after `b` was accepted but before it was installed.
    const saved = stateStore.current()!;
    saved.desired.push(deployment('b', '1', [await spec({ file: 'strings.wasm' })]));
    await stateStore.save(saved);
    fetcher.fetched.length = 0;

    const second = make();
    await second.agent.start();
    await second.agent.idle();
    expect(second.agent.workloads().map((w) => w.deployment).sort()).toEqual(['a', 'b']);
    expect(fetcher.fetched).toEqual(['strings.wasm']);
    expect(second.agent.statuses().map((s) => [s.deploymentId, s.status.state]).sort()).toEqual([['a', 'installed'], ['b', 'installed']]);
  });
});

describe('the agent matches against its device profile', () => {
  it('fails a deployment that grants a directory on a device that cannot honor it, before it runs', async () => {
    const { fetcher, statuses, stateStore, clock, spec } = await setup();
    const { profileFromProviders } = await import('../../../src/device/profile.js');
    const host = createHost({ artifactCache: createMemoryArtifactCache(), log: () => {} });
    const profile = profileFromProviders(
      { id: 'kiosk', vendor: 'v', modelNumber: 'm', serialNumber: 's' },
      { cpu: [{ cores: 2 }], memory: 0, storage: 0, peripherals: [], interfaces: [] },
      host.providers,
      { class: 'browser', engine: { name: 'jco', version: '1.35.0' }, grants: ['keyvalue', 'messaging', 'sensors', 'actuators', 'env', 'interfaces'] },
    );
    const agent = createAgent({ host, deviceId: 'kiosk', fetcher, components: createMemoryComponentStore(), state: stateStore, clock, log: () => {}, onStatus: (s) => statuses.push(s), profile: () => profile });
    await agent.apply([deployment('files', '1', [await spec({ file: 'scalars.wasm', grants: { filesystem: { '/data': '/srv' } } })])]);
    const last = statuses.at(-1)!;
    expect(last.status.state).toBe('failed');
    expect(last.components[0].error).toMatchObject({ source: 'match', code: 'unsupported' });
    expect(last.components[0].error?.message).toContain("the deployment grants 'filesystem', which a browser device cannot give");
    expect(agent.workloads()).toEqual([]);

    await agent.apply([deployment('ok', '1', [await spec({ file: 'scalars.wasm' })])]);
    expect(statuses.at(-1)!.status.state).toBe('installed');
  });
});

describe('a deployment that failed and is no longer desired', () => {
  it('is reported removed, not left failed', async () => {
    const { make, statuses, spec } = await setup();
    const { agent } = make();
    await agent.apply([deployment('bad', '1', [await spec({ file: 'corrupt.wasm' })]), deployment('good', '1', [await spec({ file: 'scalars.wasm' })])]);
    expect(agent.statuses().find((s) => s.deploymentId === 'bad')?.status.state).toBe('failed');
    await agent.apply([deployment('good', '1', [await spec({ file: 'scalars.wasm' })])]);
    expect(states(statuses, 'bad').at(-1)).toBe('removed');
    expect(agent.statuses().find((s) => s.deploymentId === 'good')?.status.state).toBe('installed');
  });
});
