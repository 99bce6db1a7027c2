// http triggers on the agent's HTTP listener, against a real agent process and a real client:
// two deployments on two routes, a trap on one while the other answers, a route conflict
// refused with the reason, removal unbinding the route, and no listener without --http-port.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { httpEchoPath } from '../../support/http-fixture.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { deploymentYaml } from '../../support/deployment-yaml.js';

const running: AgentProcess[] = [];
afterEach(async () => {
  for (const a of running.splice(0)) await a.stop('SIGKILL');
});

/** A deployment of the echo handler with one http trigger. */
function deployment(id: string, digest: string, trigger: string): string {
  return deploymentYaml({
    id, version: '1.0.0', component: 'web', packageLocation: 'echo.wasm', digest, limits: '{ callTimeoutMs: 2000 }',
    properties: `          triggers:
            - ${trigger}
`,
  });
}

async function folder(deployments: Record<string, string>) {
  const root = await mkdtemp(join(tmpdir(), 'wasmhost-agent-http-'));
  const desired = join(root, 'desired');
  await mkdir(desired);
  await copyFile(await httpEchoPath(), join(desired, 'echo.wasm'));
  const digest = `sha256:${createHash('sha256').update(readFileSync(join(desired, 'echo.wasm'))).digest('hex')}`;
  for (const [id, trigger] of Object.entries(deployments)) await writeFile(join(desired, `${id}.yaml`), deployment(id, digest, trigger));
  return { desired, state: join(root, 'state') };
}

const httpUrl = (state: string) => (JSON.parse(readFileSync(join(state, 'agent.json'), 'utf8')) as { http: string }).http;

describe('wasmhost agent http triggers (a real child process)', () => {
  it('serves each deployment on its route; a trap answers 500 on one route while the other keeps answering; removal unbinds', async () => {
    const { desired, state } = await folder({ api: '{ kind: http, path: /api, maxBody: 1024 }', other: '{ kind: http, path: /other }' });
    const agent = startAgent(['--desired', desired, '--no-simulated-device', '--broker-port', '0', '--http-port', '0'], state);
    running.push(agent);
    await agent.until((s) => s.deployments.length === 2 && s.deployments.every((d) => d.status.state === 'installed'));
    const url = httpUrl(state);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const echoed = await fetch(`${url}/api/echo`, { method: 'POST', body: 'to the api', headers: { 'x-in': 'h' } });
    expect(echoed.status).toBe(200);
    expect(echoed.headers.get('x-path')).toBe('/api/echo');
    expect(echoed.headers.get('x-echo')).toBe('h');
    expect(await echoed.text()).toBe('to the api');
    expect(await (await fetch(`${url}/other/`)).text()).toBe('hello');
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${url}/apix`)).status).toBe(404); // a prefix matches whole segments only
    expect((await fetch(`${url}/api/echo`, { method: 'POST', body: new Uint8Array(2000) })).status).toBe(413);

    expect((await fetch(`${url}/api/trap`)).status).toBe(500);
    const other = await fetch(`${url}/other/`);
    expect(other.status).toBe(200); // the other route's instance was not touched
    const report = await agent.until((s) => (s.workloads.find((w) => w.deployment === 'api')?.restarts ?? 0) >= 1);
    expect(report.workloads.find((w) => w.deployment === 'api')?.lastError).toMatch(/#handle trapped: .*unreachable/);
    expect(report.workloads.find((w) => w.deployment === 'other')?.restarts).toBe(0);

    await rm(join(desired, 'other.yaml'));
    await agent.until((s) => s.deployments.find((d) => d.deploymentId === 'other')?.status.state === 'removed' || !s.deployments.some((d) => d.deploymentId === 'other'));
    expect((await fetch(`${url}/other/`)).status).toBe(404);
  }, 60_000);

  it('refuses a second deployment on a route another one serves, naming it; the first keeps serving', async () => {
    const { desired, state } = await folder({ first: '{ kind: http, path: /api }' });
    const agent = startAgent(['--desired', desired, '--no-simulated-device', '--broker-port', '0', '--http-port', '0'], state);
    running.push(agent);
    await agent.until((s) => s.deployments[0]?.status.state === 'installed');
    const digest = `sha256:${createHash('sha256').update(readFileSync(join(desired, 'echo.wasm'))).digest('hex')}`;
    await writeFile(join(desired, 'second.yaml'), deployment('second', digest, '{ kind: http, path: /api }'));
    const report = await agent.until((s) => s.deployments.find((d) => d.deploymentId === 'second')?.status.state === 'failed');
    const error = report.deployments.find((d) => d.deploymentId === 'second')!.status.error!;
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(/the HTTP route \/api is served by first\/web already/);
    expect(await (await fetch(`${httpUrl(state)}/api/`)).text()).toBe('hello');
  }, 60_000);

  it('serves an in-process deployment (allowed by the operator) on its route, bodies taken and answered whole', async () => {
    const { desired, state } = await folder({});
    const digest = `sha256:${createHash('sha256').update(readFileSync(join(desired, 'echo.wasm'))).digest('hex')}`;
    await writeFile(join(desired, 'trusted.yaml'), deployment('trusted', digest, '{ kind: http, path: /t }').replace('limits: { callTimeoutMs: 2000 }', 'limits: { isolation: in-process }'));
    const agent = startAgent(['--desired', desired, '--no-simulated-device', '--broker-port', '0', '--http-port', '0', '--allow-in-process'], state);
    running.push(agent);
    await agent.until((s) => s.deployments[0]?.status.state === 'installed');
    const echoed = await fetch(`${httpUrl(state)}/t/echo`, { method: 'POST', body: 'in the host thread', headers: { 'x-in': 'trusted' } });
    expect(echoed.status).toBe(200);
    expect(echoed.headers.get('x-echo')).toBe('trusted');
    expect(await echoed.text()).toBe('in the host thread');
    // A whole answer with trailers goes chunked, the trailers after the body.
    const trailed = await new Promise<{ body: string; trailers: NodeJS.Dict<string> }>((resolve, reject) => {
      request(`${httpUrl(state)}/t/rtrailer`, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => { body += d.toString(); });
        res.on('end', () => resolve({ body, trailers: res.trailers }));
      }).on('error', reject).end();
    });
    expect(trailed).toEqual({ body: 'hello', trailers: { 'x-trailer': 'done' } });
  }, 60_000);

  it('without --http-port, a deployment with an http trigger fails with the flag to pass', async () => {
    const { desired, state } = await folder({ lone: '{ kind: http, path: /x }' });
    const agent = startAgent(['--desired', desired, '--no-simulated-device', '--broker-port', '0'], state);
    running.push(agent);
    const report = await agent.until((s) => s.deployments[0]?.status.state === 'failed');
    expect(report.deployments[0].status.error?.message).toMatch(/no HTTP listener for the http trigger; start it with --http-port/);
  }, 60_000);
});
