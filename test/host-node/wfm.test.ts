// The fleet manager client over real HTTPS with client certificates, against the reference
// server (examples/fleet-manager/server.mjs) running as a child process on 127.0.0.1.
// Certificates are made here with openssl: a CA, a server cert for IP 127.0.0.1, a client cert.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createNodeHttpClient } from '../../host-node/https-client.js';
import { sha256Digest } from '../../src/component/digest.js';
import { createWfmClient, type AcceptedManifest, type PollResult, type WfmClient } from '../../src/deploy/wfm-client.js';
import { WasmhostError } from '../../src/errors.js';
import type { HttpClient } from '../../src/ports/http-client.js';
import { check } from '../support/margo-rc3/schemas.js';

const SERVER = fileURLToPath(new URL('../../examples/fleet-manager/server.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'wasmhost-wfm-'));
const certs = join(work, 'certs');
const deployments = join(work, 'deployments');
const pem = (name: string) => readFileSync(join(certs, name));

const SENSOR_YAML = 'apiVersion: application.margo.org/v1alpha1\nkind: ApplicationDeployment\nmetadata:\n  name: sensor\n';
const RELAY_YAML = 'apiVersion: application.margo.org/v1alpha1\nkind: ApplicationDeployment\nmetadata:\n  name: relay\n';

/** A CA, and server (127.0.0.1) and client certificates it signed; EC P-256 keys. */
function makeCertificates() {
  execFileSync('mkdir', ['-p', certs, deployments]);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: certs, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=wasmhost test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  const leaf = (name: string, cn: string, ext: string) => {
    writeFileSync(join(certs, `${name}.ext`), ext);
    ssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  };
  leaf('server', 'fleet-manager', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'edge-1', 'extendedKeyUsage=clientAuth\n');
}

let server: ChildProcess;
let serverLog: () => string;
let baseUrl: string;
let http: HttpClient;
let client: WfmClient;

/** Starts the reference server and resolves with the URL it prints first. */
function startServer(args: string[]): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  const child = spawn(process.execPath, [SERVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (url) => resolve({ child, url, log: () => stderr }));
    child.once('exit', (code) => reject(new Error(`fleet manager exited with ${code}: ${stderr}`)));
  });
}

beforeAll(async () => {
  makeCertificates();
  writeFileSync(join(deployments, 'sensor.yaml'), SENSOR_YAML);
  const started = await startServer(['--dir', deployments, '--port', '0',
    '--tls-cert', join(certs, 'server.pem'), '--tls-key', join(certs, 'server.key'), '--client-ca', join(certs, 'ca.pem')]);
  server = started.child;
  serverLog = started.log;
  baseUrl = started.url;
  http = createNodeHttpClient({ ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client.key'), timeoutMs: 10_000 });
  client = createWfmClient({ baseUrl, http });
});

afterAll(() => {
  server?.kill();
  rmSync(work, { recursive: true, force: true });
});

async function debug(path: string): Promise<unknown> {
  const res = await http.request('GET', `${baseUrl}${path}`);
  expect(res.status).toBe(200);
  return JSON.parse(new TextDecoder().decode(res.body));
}

async function failure(promise: Promise<unknown>): Promise<WasmhostError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WasmhostError);
  return error as WasmhostError;
}

function accept(result: PollResult): AcceptedManifest {
  if (!result.changed) throw new Error('expected a new manifest');
  return { lastManifestVersion: result.manifestVersion, lastEtag: result.etag };
}

describe('fleet manager over mTLS', () => {
  // The steps share the server's folder and build on each other, in order.
  let accepted: AcceptedManifest = {};

  it('prints an https URL on 127.0.0.1 and serves the folder as manifest version 1', async () => {
    expect(baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const result = await client.pollDeployments(accepted);
    expect(result).toMatchObject({ changed: true, manifestVersion: 1n, deployments: [{ deploymentId: 'sensor', yaml: SENSOR_YAML }] });
    if (result.changed) expect(result.deployments[0].digest).toBe(await sha256Digest(new TextEncoder().encode(SENSOR_YAML)));
    accepted = accept(result);
  });

  it('answers 304 to the accepted ETag: nothing changed', async () => {
    expect(await client.pollDeployments(accepted)).toEqual({ changed: false });
    await vi.waitFor(() => expect(serverLog()).toMatch(/\nGET \/api\/v1\/deployments 304\n$/), { timeout: 2000 });
  });

  it('bumps the version when the folder changes, and the client accepts it', async () => {
    writeFileSync(join(deployments, 'relay.yaml'), RELAY_YAML);
    const result = await client.pollDeployments(accepted);
    expect(result).toMatchObject({ changed: true, manifestVersion: 2n });
    if (result.changed) expect(result.deployments.map((d) => d.deploymentId)).toEqual(['relay', 'sensor']);
    accepted = accept(result);

    unlinkSync(join(deployments, 'relay.yaml'));
    const removed = await client.pollDeployments(accepted);
    expect(removed).toMatchObject({ changed: true, manifestVersion: 3n, deployments: [{ deploymentId: 'sensor' }] });
    accepted = accept(removed);
  });

  it('refuses a lower version (a rollback), and the accepted state still works', async () => {
    writeFileSync(join(deployments, 'manifest.json'), JSON.stringify({ manifestVersion: 2 }));
    const error = await failure(client.pollDeployments(accepted));
    expect(error.code).toBe('bad-input');
    expect(error.data).toMatchObject({ reason: 'stale-version', url: `${baseUrl}/api/v1/deployments` });
    expect(error.message).toContain('manifestVersion 2, not greater than the last accepted 3');
    unlinkSync(join(deployments, 'manifest.json'));
  });

  it('refuses the whole manifest when one YAML does not match its digest, naming it', async () => {
    writeFileSync(join(deployments, 'relay.yaml'), RELAY_YAML);
    const wrong = await sha256Digest(new TextEncoder().encode('not the relay'));
    writeFileSync(join(deployments, 'manifest.json'), JSON.stringify({ deployments: [{ deploymentId: 'relay', digest: wrong }] }));
    const error = await failure(client.pollDeployments(accepted));
    expect(error.data).toMatchObject({ reason: 'digest-mismatch' });
    expect(error.message).toContain('deployment "relay"');
    expect(error.message).toContain(`the manifest says ${wrong}`);
  });

  it('takes sizeBytes as the estimate rc.3 says it is: another size still installs', async () => {
    writeFileSync(join(deployments, 'manifest.json'), JSON.stringify({ deployments: [{ deploymentId: 'relay', sizeBytes: RELAY_YAML.length + 1 }] }));
    const result = await client.pollDeployments(accepted);
    expect(result).toMatchObject({ changed: true, deployments: [{ deploymentId: 'relay', yaml: RELAY_YAML }, { deploymentId: 'sensor' }] });
  });

  it('serves a manifest and problem details that fit the rc.3 schemas', async () => {
    const manifest = await http.request('GET', `${baseUrl}/api/v1/deployments`, { headers: { accept: 'application/vnd.margo.manifest.v1+json' } });
    expect(check('manifest', JSON.parse(new TextDecoder().decode(manifest.body)))).toEqual([]);
    const refused = await http.request('GET', `${baseUrl}/api/v1/deployments`, { headers: { accept: 'application/xml' } });
    expect(refused.status).toBe(406);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(check('problem', JSON.parse(new TextDecoder().decode(refused.body)))).toEqual([]);
  });

  it('reports a 500 from the server as an io error naming the URL', async () => {
    writeFileSync(join(deployments, 'manifest.json'), '{ broken');
    const error = await failure(client.pollDeployments(accepted));
    expect(error.code).toBe('io');
    expect(error.message).toMatch(new RegExp(`^GET ${baseUrl}/api/v1/deployments answered 500 Internal Server Error: .*JSON`));
    unlinkSync(join(deployments, 'manifest.json'));
  });

  it('accepts the next good manifest after the refusals', async () => {
    const result = await client.pollDeployments(accepted);
    expect(result).toMatchObject({ changed: true, deployments: [{ deploymentId: 'relay', yaml: RELAY_YAML }, { deploymentId: 'sensor' }] });
    if (result.changed) expect(result.manifestVersion > accepted.lastManifestVersion!).toBe(true);
  });

  it('records statuses with adoptedManifestVersion, capabilities by PUT, children under their gateway, DELETE', async () => {
    const status = { deploymentId: 'relay', deviceId: 'edge-1', status: { state: 'installed' as const }, components: [{ name: 'relay', state: 'installed' as const }] };
    await client.reportStatus(status, 3n);
    expect(await debug('/debug/statuses')).toEqual([{ ...status, adoptedManifestVersion: 3 }]);

    const caps = { properties: { id: 'edge-1', vendor: 'wasmhost', modelNumber: '1', serialNumber: 's' } };
    const child = { properties: { id: 'edge-1/mcu', vendor: 'unknown', modelNumber: 'esp32', serialNumber: 'mcu' } };
    const orphan = await failure(client.putCapabilities('edge-1/mcu', child));
    expect(orphan.message).toMatch(/answered 404 Gateway not found: no gateway edge-1/);
    await client.putCapabilities('edge-1', caps);
    await client.putCapabilities('edge-1', { properties: { ...caps.properties, modelNumber: '2' } });
    await client.putCapabilities('edge-1/mcu', child);
    const reports = (await debug('/debug/capabilities/edge-1')) as { method: string; manifest: { properties: object } }[];
    expect(reports.map((r) => r.method)).toEqual(['PUT', 'PUT']);
    expect(reports[1].manifest.properties).toEqual({ ...caps.properties, modelNumber: '2' });
    await client.deleteCapabilities('edge-1/mcu');
    await client.deleteCapabilities('edge-1/mcu'); // already gone: a 404, taken as done
    expect(await debug('/debug/devices')).toEqual({ devices: ['edge-1'], deregistered: ['edge-1/mcu'] });

    const refused = await failure(client.reportStatus({ ...status, status: { state: 'running' as never } }, 3n));
    expect(refused.message).toMatch(/answered 422 Unprocessable Content: not a DeploymentStatusManifest: status\.state: must be one of/);
    expect(refused.data).toMatchObject({ problem: { status: 422, retryable: false, errors: [{ field: 'status.state' }] } });
    const legacy = await http.request('POST', `${baseUrl}/api/v1/capabilities/edge-1`, { headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode(JSON.stringify(caps)) });
    expect(legacy.status).toBe(405);
  });

  it('is refused without a client certificate, and does not trust an unknown server CA', async () => {
    const anonymous = createWfmClient({ baseUrl, http: createNodeHttpClient({ ca: pem('ca.pem'), timeoutMs: 10_000 }) });
    const error = await failure(anonymous.pollDeployments({}));
    expect(error.code).toBe('io');
    expect(error.data).toMatchObject({ reason: 'network' });
    expect(error.message).toMatch(new RegExp(`^GET ${baseUrl}/api/v1/deployments: .*(certificate required|ECONNRESET|socket hang up)`));

    const untrusting = createWfmClient({ baseUrl, http: createNodeHttpClient({ cert: pem('client.pem'), key: pem('client.key'), timeoutMs: 10_000 }) });
    expect((await failure(untrusting.pollDeployments({}))).message).toMatch(/certificate/i);
    expect(await debug('/debug/statuses')).toHaveLength(1); // nothing got through
  });
});
