// The fleet-manager client and follower against a strict Margo rc.3 fleet manager (every body
// checked against the project's rc.3 schemas), in memory, with an injected clock and jitter.
import { describe, expect, it } from 'vitest';
import { followFleetManager } from '../../../src/deploy/wfm-source.js';
import { createWfmClient } from '../../../src/deploy/wfm-client.js';
import { createManualClock } from '../../../src/memory/memory-agent-ports.js';
import { peerCapabilitiesManifest, toDeviceCapabilitiesManifest } from '../../../src/device/margo-capabilities.js';
import type { Agent } from '../../../src/deploy/agent.js';
import type { DeploymentStatus } from '../../../src/deploy/types.js';
import type { LogEntry } from '../../../src/capabilities/provider.js';
import { profileFromProviders } from '../../../src/device/profile.js';
import { createRc3FleetManager } from '../../support/margo-rc3/fleet-manager.js';
import { check } from '../../support/margo-rc3/schemas.js';

const BASE = 'http://127.0.0.1:9';
const enc = (s: string) => new TextEncoder().encode(s);
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const yaml = (id: string, version: string, deviceId?: string) => enc(`apiVersion: application.margo.org/v1alpha1
kind: ApplicationDeployment
id: ${id}
metadata:
  name: ${id}
${deviceId ? `  deviceId: ${deviceId}\n` : ''}  annotations: { applicationId: ${id}, applicationVersion: "${version}" }
spec:
  deploymentProfile:
    type: wasm.component
    components:
      - name: main
        properties:
          packageLocation: "https://packages.example/${id}.wasm"
          digest: ${DIGEST}
`);

const gatewayCaps = () => toDeviceCapabilitiesManifest(profileFromProviders(
  { id: 'gw', vendor: 'acme', modelNumber: 'g1', serialNumber: 's1' },
  { cpu: [{ cores: 2, architecture: 'arm64' }], memory: 2 ** 30, storage: 2 ** 33, peripherals: [], interfaces: [{ type: 'ethernet' }] },
  [], { class: 'linux', engine: { name: 'jco', version: '1.35.0' } },
)) as unknown as Record<string, unknown>;

/** A follower of an rc.3 fleet manager, with a fake agent that records what it applies. */
function setup(childPresence?: (peer: string) => 'online' | 'offline' | 'unknown') {
  const clock = createManualClock(1_000_000);
  const fm = createRc3FleetManager(clock.now);
  const client = createWfmClient({ baseUrl: BASE, http: fm.client, now: clock.now });
  const applied: { versions: string[]; manifestVersion: string }[] = [];
  let source: { manifestVersion?: string; etag?: string } = {};
  const agent = {
    source: () => source,
    apply: async (desired: { id: string; version: string }[], s: typeof source) => {
      applied.push({ versions: desired.map((d) => `${d.id}@${d.version}`), manifestVersion: s.manifestVersion! });
      source = s;
    },
  } as unknown as Agent;
  const logs: string[] = [];
  const fleet = followFleetManager({
    client, agent, deviceId: 'gw', baseUrl: BASE, capabilities: gatewayCaps(), pollMs: 1000, clock, random: () => 0, childPresence,
    log: (e: LogEntry) => logs.push(`${e.level} ${e.message}`),
  });
  const at = (method: string, path: RegExp) => fm.seen.filter((s) => s.method === method && path.test(s.path));
  return { clock, fm, client, fleet, applied, logs, at };
}

const status = (deploymentId: string, state: DeploymentStatus['status']['state']): DeploymentStatus =>
  ({ deploymentId, deviceId: 'gw', status: { state }, components: [{ name: 'main', state }] });

describe('the rc.3 client against a schema-enforcing fleet manager', () => {
  it('PUTs capabilities that fit rc.3 (cpus, no apiVersion/kind), installs through the bundle, then 304', async () => {
    const t = setup();
    t.fm.deployments.set('a', yaml('a', '1.0.0'));
    t.fm.deployments.set('b', yaml('b', '1.0.0'));
    await t.fleet.poll();
    await t.fleet.settled();
    expect(t.fm.violations).toEqual([]);
    const caps = t.fm.capabilities.get('gw') as { properties: Record<string, unknown> };
    expect(caps.properties.cpus).toEqual([{ cores: 2, architecture: 'arm64' }]);
    expect(caps).not.toHaveProperty('apiVersion');
    expect(t.at('GET', /^\/api\/v1\/bundles\//)).toHaveLength(1);
    expect(t.at('GET', /^\/api\/v1\/deployments\/[^/]+\/sha256:/)).toHaveLength(0);
    expect(t.at('GET', /^\/api\/v1\/deployments$/)[0].headers.accept).toBe('application/vnd.margo.manifest.v1+json');
    expect(t.applied).toEqual([{ versions: ['a@1.0.0', 'b@1.0.0'], manifestVersion: '1' }]);

    t.clock.advance(1000);
    await t.fleet.poll();
    const polls = t.at('GET', /^\/api\/v1\/deployments$/);
    expect(polls.at(-1)!.status).toBe(304);
    expect(polls.at(-1)!.headers['if-none-match']).toMatch(/^"sha256:/);
    expect(t.applied).toHaveLength(1);
  });

  it('fetches one changed deployment singly, and nothing when only manifestVersion changed (cache by digest)', async () => {
    const t = setup();
    t.fm.deployments.set('a', yaml('a', '1.0.0'));
    t.fm.deployments.set('b', yaml('b', '1.0.0'));
    t.fm.deployments.set('c', yaml('c', '1.0.0'));
    await t.fleet.poll();
    t.fm.deployments.set('b', yaml('b', '2.0.0'));
    t.fm.state.manifestVersion = 2;
    t.clock.advance(1000);
    await t.fleet.poll();
    const singles = t.at('GET', /^\/api\/v1\/deployments\/[^/]+\/sha256:/);
    expect(singles.map((s) => s.path.split('/')[4])).toEqual(['b']);
    expect(t.applied.at(-1)).toEqual({ versions: ['a@1.0.0', 'b@2.0.0', 'c@1.0.0'], manifestVersion: '2' });

    t.fm.state.manifestVersion = 3;
    t.clock.advance(1000);
    await t.fleet.poll();
    expect(t.at('GET', /^\/api\/v1\/(deployments\/[^/]+\/sha256:|bundles)/)).toHaveLength(2);
    expect(t.applied.at(-1)!.manifestVersion).toBe('3');
    expect(t.fm.violations).toEqual([]);
  });

  it('refuses a rollback and a digest mismatch, keeping the adopted manifest', async () => {
    const t = setup();
    t.fm.state.offerBundle = false;
    t.fm.deployments.set('a', yaml('a', '1.0.0'));
    t.fm.state.manifestVersion = 5;
    await t.fleet.poll();
    t.fm.deployments.set('a', yaml('a', '2.0.0'));
    t.fm.state.manifestVersion = 4;
    t.clock.advance(1000);
    await t.fleet.poll();
    expect(t.logs.at(-1)).toMatch(/manifestVersion 4, not greater than the last accepted 5/);
    t.fm.state.manifestVersion = 6;
    t.fm.state.tampered.set('a', yaml('a', '6.6.6'));
    t.clock.advance(1000);
    await t.fleet.poll();
    expect(t.logs.at(-1)).toMatch(/digest .* the manifest says .*refused/);
    expect(t.applied).toEqual([{ versions: ['a@1.0.0'], manifestVersion: '5' }]);
  });

  it('does not treat sizeBytes as integrity: a wrong estimate installs', async () => {
    const t = setup();
    t.fm.state.offerBundle = false;
    t.fm.deployments.set('a', yaml('a', '1.0.0'));
    const real = t.fm.client.request.bind(t.fm.client);
    const http = { request: async (...args: Parameters<typeof real>) => {
      const res = await real(...args);
      if (args[1].endsWith('/api/v1/deployments') && res.status === 200) {
        const doc = JSON.parse(new TextDecoder().decode(res.body));
        doc.deployments[0].sizeBytes += 100;
        return { ...res, body: enc(JSON.stringify(doc)) };
      }
      return res;
    } };
    const result = await createWfmClient({ baseUrl: BASE, http }).pollDeployments({});
    expect(result.changed && result.deployments.map((d) => d.deploymentId)).toEqual(['a']);
  });

  it('honours Retry-After of a 503 problem: the next poll is not sooner (injected clock)', async () => {
    const t = setup();
    t.fm.injected.push({ method: 'GET', path: /^\/api\/v1\/deployments$/, status: 503, headers: { 'retry-after': '3' }, problem: { retryable: true, backoffStrategy: 'fixed', retryAfterSeconds: 3 } });
    const start = t.clock.now();
    await t.fleet.poll();
    for (let i = 0; i < 5; i++) {
      t.clock.advance(1000);
      await t.fleet.poll();
    }
    const polls = t.at('GET', /^\/api\/v1\/deployments$/).map((s) => s.at - start);
    expect(polls.slice(0, 2)).toEqual([0, 3000]);
    expect(t.logs.join('\n')).toMatch(/503 Service Unavailable/);
  });

  it('backs off exponentially (with jitter on top) when the server gives no hint', async () => {
    const t = setup();
    for (let i = 0; i < 3; i++) t.fm.injected.push({ method: 'GET', path: /^\/api\/v1\/deployments$/, status: 500 });
    const start = t.clock.now();
    for (let i = 0; i <= 12; i++) {
      await t.fleet.poll();
      t.clock.advance(1000);
    }
    // 1 s × 2^(n-1) after the n-th failure (random() = 0: no jitter), then the normal pace.
    expect(t.at('GET', /^\/api\/v1\/deployments$/).map((s) => s.at - start).slice(0, 5)).toEqual([0, 1000, 3000, 7000, 8000]);
  });

  it('reports statuses with adoptedManifestVersion; a 422 is not retried, a 429 is after Retry-After', async () => {
    const t = setup();
    t.fm.deployments.set('a', yaml('a', '1.0.0'));
    await t.fleet.poll();
    t.fm.injected.push({ method: 'POST', path: /status$/, status: 429, headers: { 'retry-after': '2' }, problem: { retryable: true } });
    t.fleet.reportStatus(status('a', 'installing'));
    await t.fleet.settled();
    expect(t.fm.statuses).toEqual([]);
    t.clock.advance(1000);
    await t.fleet.settled();
    expect(t.fm.statuses).toEqual([]);
    t.clock.advance(1000);
    await t.fleet.settled();
    expect(t.fm.statuses).toEqual([expect.objectContaining({ deploymentId: 'a', adoptedManifestVersion: 1, status: { state: 'installing' } })]);
    expect(check('status', t.fm.statuses[0])).toEqual([]);

    t.fm.injected.push({ method: 'POST', path: /status$/, status: 422, problem: { retryable: false, errors: [{ field: 'components', message: 'bad' }] } });
    t.fleet.reportStatus(status('a', 'installed'));
    await t.fleet.settled();
    t.clock.advance(5000);
    await t.fleet.settled();
    expect(t.fm.statuses).toHaveLength(1);
    expect(t.logs.join('\n')).toMatch(/status of a refused, not retried: .*422.*components: bad/);
  });

  it('a 406 names the unsupported manifest type and slows polling to the longest backoff', async () => {
    const t = setup();
    t.fm.injected.push({ method: 'GET', path: /^\/api\/v1\/deployments$/, status: 406, problem: { retryable: false } });
    await t.fleet.poll();
    expect(t.logs.at(-1)).toMatch(/does not serve application\/vnd\.margo\.manifest\.v1\+json.*406/);
    t.clock.advance(59_000);
    await t.fleet.poll();
    expect(t.at('GET', /^\/api\/v1\/deployments$/)).toHaveLength(1);
  });

  it('removes a deployment only when an accepted manifest leaves it out', async () => {
    const t = setup();
    t.fm.deployments.set('a', yaml('a', '1.0.0'));
    t.fm.deployments.set('b', yaml('b', '1.0.0'));
    await t.fleet.poll();
    t.fm.deployments.delete('b');
    t.fm.state.manifestVersion = 2;
    t.clock.advance(1000);
    await t.fleet.poll();
    expect(t.applied.at(-1)).toEqual({ versions: ['a@1.0.0'], manifestVersion: '2' });
    t.fm.deployments.clear();
    t.fm.state.manifestVersion = 3;
    t.clock.advance(1000);
    await t.fleet.poll();
    expect(t.applied.at(-1)).toEqual({ versions: [], manifestVersion: '3' });
    expect(t.fm.violations).toEqual([]);
  });

  it('reports online peers as gateway children gw/<peer> and deregisters one that is gone', async () => {
    const t = setup();
    const peer = peerCapabilitiesManifest('gw', {
      id: 'mcu-1', model: 'esp32', interfaces: [{ name: 'wasmhost:device/sensors', version: '0.1.0' }],
      sensors: [{ name: 'temp', unit: 'Cel', kind: 'temperature' }, { name: 'mic', unit: 'dB', kind: 'microphone' }],
      actuators: [{ name: 'fan', unit: '', kind: 'relay' }],
    });
    expect(check('capabilities', peer)).toEqual([]);
    expect(peer.properties).not.toHaveProperty('cpus');
    t.fleet.setChildren(new Map([['mcu-1', peer as unknown as Record<string, unknown>]]));
    await t.fleet.settled();
    expect(t.at('PUT', /capabilities/).map((s) => s.path)).toEqual(['/api/v1/capabilities/gw', '/api/v1/capabilities/gw/mcu-1']);
    expect(t.fm.capabilities.get('gw/mcu-1')).toMatchObject({ properties: { id: 'gw/mcu-1', peripherals: [{ type: 'microphone', model: 'mic' }] }, labels: { 'wasmhost.dev/sensors': ['temp', 'mic'] } });

    // The fleet manager forgot the gateway: a 404 on the child puts the gateway first again.
    t.fm.capabilities.clear();
    t.fleet.setChildren(new Map([['mcu-1', { ...peer, labels: { ...peer.labels, extra: 'x' } }]]));
    await t.fleet.settled();
    expect([...t.fm.capabilities.keys()]).toEqual(['gw', 'gw/mcu-1']);

    t.fleet.setChildren(new Map());
    await t.fleet.settled();
    expect(t.at('DELETE', /capabilities/).map((s) => [s.path, s.status])).toEqual([['/api/v1/capabilities/gw/mcu-1', 204]]);
    expect([...t.fm.capabilities.keys()]).toEqual(['gw']);
    expect(t.fm.violations).toEqual([]);
  });

  it('fails deployments addressed to children with rc.3 gateway codes 101, 102 and 103, and runs its own', async () => {
    const presence = new Map<string, 'online' | 'offline'>([['mcu-2', 'offline']]);
    const t = setup((peer) => presence.get(peer) ?? 'unknown');
    t.fm.state.offerBundle = false;
    t.fm.deployments.set('own', yaml('own', '1.0.0', 'gw'));
    t.fm.deployments.set('unknown', yaml('unknown', '1.0.0', 'gw/mcu-9'));
    t.fm.deployments.set('offline', yaml('offline', '1.0.0', 'gw/mcu-2'));
    t.fm.deployments.set('any', yaml('any', '1.0.0', 'gw/*'));
    await t.fleet.poll();
    await t.fleet.settled();
    expect(t.applied).toEqual([{ versions: ['own@1.0.0'], manifestVersion: '1' }]);
    const code = (id: string) => t.fm.statuses.filter((s) => s.deploymentId === id).map((s) => [s.deviceId, (s.status as { error: { code: string } }).error.code]);
    expect([code('unknown'), code('offline'), code('any')]).toEqual([[['gw/mcu-9', '101']], [['gw/mcu-2', '102']], [['gw', '103']]]);
    expect(t.fm.statuses.every((s) => s.adoptedManifestVersion === 1)).toBe(true);

    // mcu-2 comes online: it still hosts no workloads (103); reported once per change.
    presence.set('mcu-2', 'online');
    t.fleet.setChildren(new Map());
    await t.fleet.settled();
    t.fleet.setChildren(new Map());
    await t.fleet.settled();
    expect(code('offline')).toEqual([['gw/mcu-2', '102'], ['gw/mcu-2', '103']]);
    expect(t.fm.violations).toEqual([]);
  });

  it('a 403 (relationship retired) is not retried: polls slow to the longest backoff, a refused report is dropped', async () => {
    const t = setup();
    t.fm.injected.push({ method: 'PUT', path: /capabilities/, status: 403, problem: { retryable: false } });
    t.fm.injected.push({ method: 'GET', path: /^\/api\/v1\/deployments$/, status: 403 });
    t.fleet.updateCapabilities(gatewayCaps());
    await t.fleet.poll();
    await t.fleet.settled();
    t.clock.advance(30_000);
    await t.fleet.poll();
    await t.fleet.settled();
    expect(t.at('PUT', /capabilities/).map((s) => s.status)).toEqual([201, 403]);
    expect(t.at('GET', /^\/api\/v1\/deployments$/)).toHaveLength(1);
    expect(t.logs.join('\n')).toMatch(/capabilities of gw refused, not retried: .*403/);
    t.clock.advance(30_000);
    await t.fleet.poll();
    expect(t.at('GET', /^\/api\/v1\/deployments$/)).toHaveLength(2);
  });
});
