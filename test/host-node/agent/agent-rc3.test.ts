// A real `wasmhost agent --wfm` process against the strict rc.3 fleet manager of
// test/support/margo-rc3 (every request body checked against the project's rc.3 schemas) on
// 127.0.0.1 over mutual TLS 1.3 with SPIFFE IDs, with a simulated embedded peer on the agent's broker: capabilities PUT, install
// through the bundle, statuses with adoptedManifestVersion, 503 + Retry-After honoured, a
// digest mismatch refused with the old deployment serving, a rollback refused, removal, and
// the peer reported as a gateway child (PUT while online, DELETE when gone).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPeerSim } from '../../../host-node/peer-sim.js';
import { watComponentPath } from '../../support/wat-components.js';
import { bytesRoute, startHostileServer } from '../../support/hostile-http-server.js';
import { createRc3FleetManager } from '../../support/margo-rc3/fleet-manager.js';
import { createPki } from '../../support/spiffe-pki.js';
import { startAgent } from './agent-process.js';
import { deploymentYaml, digestOf } from './fleet-fixtures.js';
import { freePort } from '../../support/mosquitto.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function eventually<T>(probe: () => T | undefined, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('wasmhost agent against a schema-enforcing Margo rc.3 fleet manager', () => {
  it('installs through the bundle, honours Retry-After, refuses a mismatch and a rollback, removes, and reports its peer as a child', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wasmhost-rc3-agent-'));
    const scalars = readFileSync(await watComponentPath('scalars'));
    const packages = await startHostileServer({ '/scalars.wasm': bytesRoute(scalars) });
    cleanups.push(() => packages.close());
    const yaml = (id: string, version: string) =>
      new TextEncoder().encode(deploymentYaml({ id, version, packageLocation: `${packages.url}/scalars.wasm`, digest: digestOf(scalars) }));
    const fm = createRc3FleetManager();
    fm.deployments.set('calc', yaml('calc', '1.0.0'));
    fm.deployments.set('sum', yaml('sum', '1.0.0'));
    // Mutual TLS 1.3 with X509-SVIDs, as Margo's identity profile asks: the agent checks the
    // fleet manager's SPIFFE ID against the trust bundle; the fleet manager requires the device's.
    const pki = createPki(root);
    const bundle = pki.ca('bundle', 'URI:spiffe://example.org');
    const fmSvid = pki.leaf('fleet-manager', bundle, 'URI:spiffe://example.org/fleet-manager', '1f01');
    const device = pki.leaf('device', bundle, 'URI:spiffe://example.org/device/gw-1', '1d01');
    const server = await fm.listen({ cert: readFileSync(fmSvid.cert), key: readFileSync(fmSvid.key), ca: readFileSync(bundle.cert) });
    cleanups.push(() => server.close());

    const state = join(root, 'state');
    const secret = join(root, 'sim-1.secret');
    execFileSync(process.execPath, ['bin/wasmhost.js', 'peer', 'add', 'sim-1', '--state', state, '--secret-file', secret], { stdio: 'pipe' });
    const port = await freePort();
    const agent = startAgent(['--wfm', server.url, '--tls-ca', bundle.cert, '--tls-cert', device.cert, '--tls-key', device.key,
      '--wfm-spiffe-id', 'spiffe://example.org/fleet-manager', '--poll-seconds', '0.2', '--no-simulated-device', '--broker-port', String(port)], state);
    cleanups.push(() => agent.stop('SIGKILL'));

    const installed = await agent.until((s) => s.workloads.length === 2);
    const gw = installed.deviceId;
    expect(fm.seen.filter((s) => s.path.startsWith('/api/v1/bundles/')).map((s) => s.status)).toEqual([200]);
    expect(fm.seen.some((s) => /^\/api\/v1\/deployments\/[^/]+\/sha256:/.test(s.path))).toBe(false);
    expect(fm.seen.find((s) => s.path === `/api/v1/capabilities/${gw}`)).toMatchObject({ method: 'PUT', status: 201 });
    await eventually(() => fm.statuses.some((s) => s.deploymentId === 'sum' && (s.status as { state: string }).state === 'installed'), 'status installed');
    expect(fm.statuses.every((s) => s.adoptedManifestVersion === 1)).toBe(true);

    // The peer comes online: a child device `<gw>/sim-1`; it goes: deregistered.
    const sim = await startPeerSim({ url: `mqtt://127.0.0.1:${port}`, count: 1, rate: 0, protocolVersion: 4, passwords: { 'sim-1': readFileSync(secret, 'utf8').trim() } });
    const child = await eventually(() => fm.capabilities.get(`${gw}/sim-1`) as { properties: Record<string, unknown>; labels: Record<string, unknown> } | undefined, 'the child PUT');
    expect(child.properties).toMatchObject({ id: `${gw}/sim-1`, serialNumber: 'sim-1' });
    expect(child.properties).not.toHaveProperty('cpus');
    expect(child.labels).toMatchObject({ 'wasmhost.dev/sensors': ['temperature'], 'wasmhost.dev/actuators': ['relay'] });
    await sim.stop();
    await eventually(() => fm.seen.some((s) => s.method === 'DELETE' && s.path === `/api/v1/capabilities/${gw}/sim-1` && s.status === 204), 'the child DELETE');

    // 503 with Retry-After: 2: the next poll waits at least that long (it polls every 0.2 s otherwise).
    fm.injected.push({ method: 'GET', path: /^\/api\/v1\/deployments$/, status: 503, headers: { 'retry-after': '2' }, problem: { retryable: true, retryAfterSeconds: 2 } });
    const refusedAt = await eventually(() => fm.seen.find((s) => s.status === 503)?.at, 'the 503');
    const next = await eventually(() => fm.seen.find((s) => s.path === '/api/v1/deployments' && s.at > refusedAt)?.at, 'the poll after the 503');
    expect(next - refusedAt).toBeGreaterThanOrEqual(2000);

    // A tampered YAML: the whole manifest refused, v1 keeps serving.
    fm.deployments.set('sum', yaml('sum', '2.0.0'));
    fm.state.tampered.set('sum', yaml('sum', '6.6.6'));
    fm.state.manifestVersion = 2;
    await agent.untilOutput(/deployment "sum": .* digest .* the manifest says/);
    expect((await agent.status())!.workloads.map((w) => w.version).sort()).toEqual(['1.0.0', '1.0.0']);

    // A rollback (version 1 again, with new content): refused.
    fm.state.tampered.clear();
    fm.state.manifestVersion = 1;
    await agent.untilOutput(/manifestVersion 1, not greater than the last accepted 1/);

    // Removal: an accepted manifest without `sum`.
    fm.deployments.delete('sum');
    fm.state.manifestVersion = 3;
    const removed = await agent.until((s) => s.workloads.length === 1);
    expect(removed.workloads[0].deployment).toBe('calc');
    await eventually(() => fm.statuses.some((s) => s.deploymentId === 'sum' && (s.status as { state: string }).state === 'removed' && s.adoptedManifestVersion === 3), 'status removed');
    expect(fm.violations).toEqual([]);
    expect(new Set(server.clients)).toEqual(new Set(['URI:spiffe://example.org/device/gw-1']));
  }, 60_000);
});
