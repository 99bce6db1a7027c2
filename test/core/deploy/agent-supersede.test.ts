// A download that never finishes must not hold the agent: a newer desired state aborts it,
// stop() aborts it, and start() does not wait for it. The fetcher here hangs until aborted.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../src/create-host.js';
import { createMemoryArtifactCache } from '../../../src/memory/memory-artifact-cache.js';
import { createManualClock, createMemoryComponentStore, createMemoryStateStore } from '../../../src/memory/memory-agent-ports.js';
import { createAgent } from '../../../src/deploy/agent.js';
import { sha256Digest } from '../../../src/component/digest.js';
import { WasmhostError } from '../../../src/errors.js';
import type { ComponentStore, PackageFetcher } from '../../../src/ports/agent-ports.js';
import type { DeploymentStatus, DesiredDeployment } from '../../../src/deploy/types.js';
import { watComponentPath } from '../../support/wat-components.js';

/** Serves `good.wasm` at once; `stuck.wasm` never, until its signal fires. */
function hangingFetcher(good: Uint8Array) {
  const log: string[] = [];
  const fetcher: PackageFetcher = {
    fetch(location, _base, init) {
      log.push(`fetch ${location}`);
      if (location === 'good.wasm') return Promise.resolve(good);
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => {
          log.push(`aborted ${location}`);
          reject(new WasmhostError('io', `GET ${location}: aborted`, { data: { reason: 'aborted' } }));
        });
      });
    },
  };
  return { fetcher, log };
}

async function setup(components: ComponentStore = createMemoryComponentStore()) {
  const good = new Uint8Array(await readFile(await watComponentPath('scalars')));
  const digest = await sha256Digest(good);
  const { fetcher, log } = hangingFetcher(good);
  const stateStore = createMemoryStateStore();
  const cache = createMemoryArtifactCache();
  const statuses: DeploymentStatus[] = [];
  const make = () => createAgent({
    host: createHost({ artifactCache: cache, log: () => {} }), deviceId: 'dev-1', fetcher, components, state: stateStore,
    clock: createManualClock(), log: () => {}, onStatus: (s) => statuses.push(s),
  });
  const deployment = (version: string, file: string): DesiredDeployment => ({
    id: 'calc', name: 'calc', applicationId: 'calc', version,
    components: [{
      name: 'main', packageLocation: file, digest: file === 'good.wasm' ? digest : `sha256:${'e'.repeat(64)}`,
      grants: {}, config: {}, triggers: [], limits: { callTimeoutMs: 1000, memoryBytes: 64 << 20, isolation: 'in-process' },
    }],
  });
  return { make, log, statuses, stateStore, deployment };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
/** Waits until the fetcher has been asked for `file` (the agent loads its deployment runner first). */
async function fetchBegun(log: string[], file: string): Promise<void> {
  while (!log.includes(`fetch ${file}`)) await tick();
}

describe('the agent and a download that never finishes', () => {
  it('lets a newer desired state abort it and install at once', async () => {
    const { make, log, statuses, deployment } = await setup();
    const agent = make();
    const first = agent.apply([deployment('1', 'stuck.wasm')]);
    await fetchBegun(log, 'stuck.wasm');
    expect(agent.source()).toEqual({});
    const second = agent.apply([deployment('2', 'good.wasm')], { manifestVersion: '2' });
    expect(agent.source()).toEqual({ manifestVersion: '2' }); // recorded at once, for the next poll
    await first; // superseded: resolves without marking v1 failed
    await second;
    expect(log).toEqual(['fetch stuck.wasm', 'aborted stuck.wasm', 'fetch good.wasm']);
    expect(agent.workloads().map((w) => w.version)).toEqual(['2']);
    expect(statuses.map((s) => s.status.state)).not.toContain('failed');
    agent.stop();
  });

  it('starts no download for a deployment superseded before its download began', async () => {
    // The component store answers v1's lookup only after v2 has superseded it.
    const store = createMemoryComponentStore();
    let answer = () => {};
    let asked = () => {};
    const lookedUp = new Promise<void>((resolve) => (asked = resolve));
    const gated: ComponentStore = {
      async get(digest) {
        if (digest !== `sha256:${'e'.repeat(64)}`) return store.get(digest);
        asked();
        await new Promise<void>((resolve) => (answer = resolve));
        return undefined;
      },
      put: (digest, bytes) => store.put(digest, bytes),
    };
    const { make, log, statuses, deployment } = await setup(gated);
    const agent = make();
    const first = agent.apply([deployment('1', 'stuck.wasm')]);
    await lookedUp;
    const second = agent.apply([deployment('2', 'good.wasm')], { manifestVersion: '2' });
    answer();
    await first;
    await second;
    expect(log).toEqual(['fetch good.wasm']);
    expect(agent.workloads().map((w) => w.version)).toEqual(['2']);
    expect(statuses.map((s) => s.status.state)).not.toContain('failed');
    agent.stop();
  });

  it('aborts it on stop()', async () => {
    const { make, log, deployment } = await setup();
    const agent = make();
    const applied = agent.apply([deployment('1', 'stuck.wasm')]);
    await fetchBegun(log, 'stuck.wasm');
    agent.stop();
    await applied;
    expect(log).toEqual(['fetch stuck.wasm', 'aborted stuck.wasm']);
    expect(agent.workloads()).toEqual([]);
  });

  it('does not make start() wait for an unfinished install; with deferResume it waits for resume() or apply', async () => {
    const { make, log, stateStore, deployment } = await setup();
    await stateStore.save({ desired: [deployment('1', 'stuck.wasm')], installed: [], statuses: [], source: { manifestVersion: '1' } });

    const deferred = make();
    await deferred.start({ deferResume: true });
    await tick();
    expect(log).toEqual([]); // nothing fetched before the first poll
    await deferred.apply([deployment('2', 'good.wasm')], { manifestVersion: '2' });
    await deferred.resume();
    expect(log).toEqual(['fetch good.wasm']);
    expect(deferred.workloads().map((w) => w.version)).toEqual(['2']);
    deferred.stop();

    await stateStore.save({ desired: [deployment('3', 'stuck.wasm')], installed: [], statuses: [], source: { manifestVersion: '3' } });
    const eager = make();
    await eager.start(); // resolves although the resumed install hangs
    await fetchBegun(log, 'stuck.wasm');
    expect(log.at(-1)).toBe('fetch stuck.wasm');
    eager.stop();
    await eager.idle();
    expect(log.at(-1)).toBe('aborted stuck.wasm');
  });
});
