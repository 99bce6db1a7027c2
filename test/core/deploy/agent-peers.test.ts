// The agent's peer gate: a deployment whose grants name `<peer>/…` waits (pending) for that
// peer, installs when it comes online, is stopped and pending again when it leaves.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../src/create-host.js';
import { createMemoryArtifactCache } from '../../../src/memory/memory-artifact-cache.js';
import { createManualClock, createMemoryComponentStore, createMemoryFetcher, createMemoryStateStore } from '../../../src/memory/memory-agent-ports.js';
import { createAgent, peersNeeded, type PeerPresence } from '../../../src/deploy/agent.js';
import { sha256Digest } from '../../../src/component/digest.js';
import type { DeploymentStatus, DesiredDeployment } from '../../../src/deploy/types.js';
import { watComponentPath } from '../../support/wat-components.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function fakePeers() {
  const online = new Set<string>();
  const listeners = new Set<() => void>();
  const presence: PeerPresence = {
    online: (id) => online.has(id),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const set = (id: string, up: boolean) => {
    if (up) online.add(id);
    else online.delete(id);
    for (const l of listeners) l();
  };
  return { presence, set };
}

async function setup() {
  const scalars = await readFile(await watComponentPath('scalars'));
  const clock = createManualClock();
  const statuses: DeploymentStatus[] = [];
  const peers = fakePeers();
  const host = createHost({ artifactCache: createMemoryArtifactCache(), log: () => {} });
  const agent = createAgent({
    host, deviceId: 'dev-1', fetcher: createMemoryFetcher({ 'scalars.wasm': scalars }), components: createMemoryComponentStore(),
    state: createMemoryStateStore(), clock, log: () => {}, onStatus: (s) => statuses.push(s), peers: peers.presence,
  });
  const outputs: string[] = [];
  host.bus.subscribe('out/#', (m) => outputs.push(new TextDecoder().decode(m.payload)));
  const d: DesiredDeployment = {
    id: 'calc', name: 'calc', applicationId: 'app', version: '1', components: [{
      name: 'main', packageLocation: 'scalars.wasm', digest: await sha256Digest(scalars),
      grants: { sensors: ['peer-7/temperature', 'local'], actuators: ['*/relay', 'peer-9/relay'] }, config: {},
      triggers: [{ kind: 'interval', everyMs: 1000, export: 'add', args: ['2', '3'], output: 'out/sum' }],
      limits: { callTimeoutMs: 1000, memoryBytes: 64 << 20, isolation: 'in-process' },
    }],
  };
  return { agent, statuses, peers, clock, outputs, d };
}

const last = (statuses: DeploymentStatus[]) => statuses.at(-1)!.status;

describe('the agent and peers', () => {
  it('names the peers a deployment needs (exact peer parts only)', async () => {
    const { d } = await setup();
    expect(peersNeeded(d)).toEqual(['peer-7', 'peer-9']);
  });

  it('waits for every peer, installs when they are online, parks when one leaves, resumes when it returns', async () => {
    const { agent, statuses, peers, clock, outputs, d } = await setup();
    await agent.apply([d]);
    expect(last(statuses)).toEqual({ state: 'pending', error: { code: 'unavailable', source: 'agent', message: 'waiting for peers peer-7, peer-9' } });
    expect(agent.workloads()).toEqual([]);

    peers.set('peer-7', true);
    await settle();
    expect(last(statuses).error?.message).toBe('waiting for peer peer-9');
    peers.set('peer-9', true);
    await agent.apply([d]); // queued after the reconcile
    expect(last(statuses)).toEqual({ state: 'installed' });
    clock.advance(1000);
    await settle();
    expect(outputs).toEqual(['5']);

    peers.set('peer-7', false);
    await agent.apply([d]);
    expect(last(statuses)).toEqual({ state: 'pending', error: expect.objectContaining({ message: 'waiting for peer peer-7' }) });
    expect(agent.workloads()).toEqual([]);
    clock.advance(3000);
    await settle();
    expect(outputs).toEqual(['5']);

    peers.set('peer-7', true);
    await agent.apply([d]);
    expect(last(statuses).state).toBe('installed');
    expect(agent.workloads()).toHaveLength(1);
  });

  it('a waiting deployment no longer desired is removed', async () => {
    const { agent, statuses, d } = await setup();
    await agent.apply([d]);
    await agent.apply([]);
    expect(last(statuses)).toEqual({ state: 'removed' });
  });
});
