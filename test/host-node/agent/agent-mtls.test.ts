// Margo's identity profile with a real agent: mutual TLS 1.3, both sides X509-SVIDs, the fleet
// manager known by its SPIFFE ID, and certificate and trust-bundle rotation without a restart.
// The TLS side is a server in this test (requiring client certificates, recording each client
// certificate it saw) that passes requests on to the reference fleet manager over plain http.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecureVersion, TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesRoute, startHostileServer, type HostileServer } from '../../support/hostile-http-server.js';
import { createPki, type PemFiles } from '../../support/spiffe-pki.js';
import { createNodeHttpClient } from '../../../host-node/https-client.js';
import { watComponentPath } from '../../support/wat-components.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { deploymentYaml, digestOf, startFleetManager, type FleetManager } from './fleet-fixtures.js';

const FM_ID = 'spiffe://example.org/fleet-manager';
const DEVICE_ID = 'spiffe://example.org/device/dev-1';
const work = mkdtempSync(join(tmpdir(), 'wasmhost-mtls-'));
const pki = createPki(work);
const read = (path: string) => readFileSync(path);

/** A TLS front requiring client certificates; `seen` lists the client certificate of each request. */
interface Front { url: string; seen: { serial: string; san: string }[]; use(server: PemFiles): void; close(): void }

async function startFront(server: PemFiles, clientBundle: PemFiles[], upstream: string, maxVersion?: SecureVersion): Promise<Front> {
  const seen: Front['seen'] = [];
  const ca = clientBundle.map((c) => read(c.cert));
  const front = https.createServer({ cert: read(server.cert), key: read(server.key), ca, requestCert: true, rejectUnauthorized: true, maxVersion }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    seen.push({ serial: peer.serialNumber, san: peer.subjectaltname ?? '' });
    const up = http.request(`${upstream}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(upstream).host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const { port } = front.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    seen,
    use: (next) => front.setSecureContext({ cert: read(next.cert), key: read(next.key), ca }),
    close: () => {
      front.close();
      front.closeAllConnections();
    },
  };
}

let bundleA: PemFiles;
let bundleB: PemFiles;
let fmA: PemFiles;
let devA: PemFiles;
let packages: HostileServer;
let folder: string;
let fm: FleetManager;
const agents: AgentProcess[] = [];
const stops: (() => void)[] = [];
const fronts: Front[] = [];

beforeAll(async () => {
  bundleA = pki.ca('bundle-a');
  bundleB = pki.ca('bundle-b');
  fmA = pki.leaf('fm-a', bundleA, `URI:${FM_ID}`, '1a01');
  devA = pki.leaf('dev-a', bundleA, `URI:${DEVICE_ID}`, '1d01');
  const scalars = readFileSync(await watComponentPath('scalars'));
  packages = await startHostileServer({ '/scalars.wasm': bytesRoute(scalars) });
  folder = join(work, 'fleet');
  mkdirSync(folder);
  writeFileSync(join(folder, 'calc.yaml'), deploymentYaml({ id: 'calc', version: '1.0.0', packageLocation: `${packages.url}/scalars.wasm`, digest: digestOf(scalars) }));
  fm = await startFleetManager(folder);
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop('SIGKILL')));
  for (const kill of stops) kill();
  for (const f of fronts) f.close();
  fm?.stop();
  await packages?.close();
  rmSync(work, { recursive: true, force: true });
});

/** An agent following `front` with the given TLS files and flags, its state in a fresh folder. */
function agentFor(front: Front, name: string, args: string[]): AgentProcess {
  const agent = startAgent(['--wfm', front.url, ...args, '--poll-seconds', '0.2', '--no-simulated-device', '--broker-port', '0'], join(work, `state-${name}`));
  agents.push(agent);
  return agent;
}

const tlsArgs = (ca: string, device?: PemFiles) => ['--tls-ca', ca, ...(device ? ['--tls-cert', device.cert, '--tls-key', device.key] : [])];

describe('wasmhost agent --wfm https with X509-SVIDs', () => {
  it('is accepted with the right IDs, and rotates its SVID and trust bundle without a restart', async () => {
    const front = await startFront(fmA, [bundleA, bundleB], fm.url);
    fronts.push(front);
    // The agent's files: rewritten in place below, as an SVID agent would rotate them.
    const dir = join(work, 'agent-tls');
    mkdirSync(dir);
    const files = { ca: join(dir, 'bundle.pem'), cert: join(dir, 'svid.pem'), key: join(dir, 'svid.key') };
    copyFileSync(bundleA.cert, files.ca);
    copyFileSync(devA.cert, files.cert);
    copyFileSync(devA.key, files.key);
    const agent = agentFor(front, 'rotate', [...tlsArgs(files.ca, files), '--wfm-spiffe-id', FM_ID]);

    const installed = await agent.until((s) => s.workloads[0]?.version === '1.0.0');
    expect(installed.source.manifestVersion).toBe('1');
    expect(front.seen[0]).toEqual({ serial: '1D01', san: `URI:${DEVICE_ID}` });
    expect(agent.output()).toContain(`TLS: loaded device SVID ${DEVICE_ID} (serial 1D01`);

    // Rotation to a new trust bundle (B only) and a new SVID signed by it; the server moves to B too.
    // Until the agent has re-read its files, its requests fail (the old bundle refuses B's server).
    const fmB = pki.leaf('fm-b', bundleB, `URI:${FM_ID}`, '2a02');
    const devB = pki.leaf('dev-b', bundleB, `URI:${DEVICE_ID}`, '2d02');
    writeFileSync(files.key, read(devB.key));
    writeFileSync(files.cert, read(devB.cert));
    writeFileSync(files.ca, read(bundleB.cert));
    front.use(fmB);
    await agent.untilOutput(`TLS: reloaded device SVID ${DEVICE_ID} (serial 2D02`);
    await expect.poll(() => front.seen.some((s) => s.serial === '2D02'), { timeout: 10_000 }).toBe(true);
    // Once the new SVID is in use, every later request presents it (polls every 0.2 s).
    const first = front.seen.findIndex((s) => s.serial === '2D02');
    await expect.poll(() => front.seen.length, { timeout: 10_000 }).toBeGreaterThan(first + 3);
    expect(front.seen.slice(first).map((s) => s.serial)).toEqual(front.seen.slice(first).map(() => '2D02'));
    expect(front.seen[first].san).toBe(`URI:${DEVICE_ID}`);
    expect(agent.child.exitCode).toBeNull();
    expect((await agent.status())!.workloads.map((w) => w.version)).toEqual(['1.0.0']);
    await agent.stop();
  });

  const refusals: { name: string; server: () => PemFiles; args: () => string[]; maxVersion?: SecureVersion; says: RegExp }[] = [
    {
      name: 'the server presents another SPIFFE ID of the trust domain',
      server: () => pki.leaf('impostor', bundleA, 'URI:spiffe://example.org/impostor', '3a03'),
      args: () => [...tlsArgs(bundleA.cert, devA), '--wfm-spiffe-id', FM_ID],
      says: /server's certificate presents spiffe:\/\/example\.org\/impostor, not the expected spiffe:\/\/example\.org\/fleet-manager/,
    },
    {
      name: 'the server presents an SVID of another trust domain (same CA)',
      server: () => pki.leaf('other-domain', bundleA, 'URI:spiffe://other.org/fleet-manager', '4a04'),
      args: () => [...tlsArgs(bundleA.cert, devA), '--trust-domain', 'example.org'],
      says: /presents spiffe:\/\/other\.org\/fleet-manager, which is not in the trust domain example\.org/,
    },
    {
      name: "the server's certificate is from another trust bundle",
      server: () => pki.leaf('foreign', pki.ca('foreign-ca'), `URI:${FM_ID}`, '5a05'),
      args: () => [...tlsArgs(bundleA.cert, devA), '--wfm-spiffe-id', FM_ID],
      says: /TLS refused: the server's certificate is not signed by the trust bundle/,
    },
    {
      name: 'the device presents no certificate',
      server: () => fmA,
      args: () => [...tlsArgs(bundleA.cert), '--wfm-spiffe-id', FM_ID],
      says: /TLS refused: the server requires a client certificate and none was presented/,
    },
    {
      name: 'the server speaks TLS 1.2 at most',
      server: () => fmA,
      args: () => [...tlsArgs(bundleA.cert, devA), '--wfm-spiffe-id', FM_ID],
      maxVersion: 'TLSv1.2',
      says: /TLS refused: the server does not offer TLS 1\.3/,
    },
  ];

  it.each(refusals)('refuses when $name: logged, no manifest applied', async ({ name, server, args, maxVersion, says }) => {
    const polls = fm.polls();
    const front = await startFront(server(), [bundleA], fm.url, maxVersion);
    fronts.push(front);
    const agent = agentFor(front, name.replace(/\W+/g, '-'), args());
    await agent.untilOutput(says, 10_000);
    const status = await agent.until(() => true);
    expect(status.deployments).toEqual([]);
    expect(status.workloads).toEqual([]);
    expect(front.seen).toEqual([]);
    expect(fm.polls()).toBe(polls);
    await agent.stop();
  });

  it('does not start when its own SVID is of another trust domain than the one it expects of the fleet manager', async () => {
    const other = pki.leaf('dev-other-domain', bundleA, 'URI:spiffe://other.org/device/dev-1', '7d07');
    const agent = startAgent(['--wfm', 'https://127.0.0.1:9', ...tlsArgs(bundleA.cert, other), '--wfm-spiffe-id', FM_ID], join(work, 'state-own-domain'));
    agents.push(agent);
    const code = agent.child.exitCode ?? (await new Promise((resolve) => agent.child.once('exit', resolve)));
    expect(code).toBe(2);
    expect(agent.output()).toContain(`--tls-cert ${other.cert} is the SVID spiffe://other.org/device/dev-1, not of the trust domain example.org`);
  });

  it('the reference fleet manager with --trust-domain serves a device SVID of the domain and cuts off another', async () => {
    const child = spawn(process.execPath, [join('examples', 'fleet-manager', 'server.mjs'), '--dir', folder, '--port', '0',
      '--tls-cert', fmA.cert, '--tls-key', fmA.key, '--client-ca', bundleA.cert, '--trust-domain', 'example.org'], { stdio: ['ignore', 'pipe', 'pipe'] });
    stops.push(() => child.kill('SIGKILL'));
    let log = '';
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const url = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));

    const agent = startAgent(['--wfm', url, ...tlsArgs(bundleA.cert, devA), '--wfm-spiffe-id', FM_ID, '--poll-seconds', '0.2', '--no-simulated-device', '--broker-port', '0'], join(work, 'state-reference'));
    agents.push(agent);
    await agent.until((s) => s.workloads[0]?.version === '1.0.0');
    await agent.stop();

    const other = pki.leaf('dev-other', bundleA, 'URI:spiffe://other.org/device/dev-1', '6d06');
    const http = createNodeHttpClient({ ca: read(bundleA.cert), cert: read(other.cert), key: read(other.key), checkServerIdentity: () => undefined });
    await expect(http.request('GET', `${url}/api/v1/deployments`)).rejects.toThrow(/socket hang up|ECONNRESET/);
    await expect.poll(() => log).toContain('fleet-manager: refused a device whose certificate is not an SVID of example.org (URI SANs: spiffe://other.org/device/dev-1)');
  });
});
