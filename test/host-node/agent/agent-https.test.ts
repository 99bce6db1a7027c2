// The agent's HTTP listener over HTTPS (--http-tls-cert/--http-tls-key): a real agent process,
// node:https trusting only the CA made here, and a client trusting another CA refused.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { httpEchoPath } from '../../support/http-fixture.js';
import { createPki, type PemFiles } from '../../support/spiffe-pki.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { deploymentYaml } from '../../support/deployment-yaml.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmhost-agent-https-'));
const pki = createPki(dir);
const ca = pki.ca('ca');
const other = pki.ca('other');
const leaf = pki.leaf('agent', ca, 'IP:127.0.0.1,DNS:localhost', '0a');
let agent: AgentProcess | undefined;
afterAll(async () => {
  await agent?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function post(url: string, trust: PemFiles, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { method: 'POST', ca: readFileSync(trust.cert), agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => { text += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    }).on('error', reject).end(body);
  });
}

describe('wasmhost agent --http-tls-cert/--http-tls-key', () => {
  it('serves http triggers over HTTPS with the given certificate', async () => {
    const desired = join(dir, 'desired');
    await mkdir(desired);
    await copyFile(await httpEchoPath(), join(desired, 'echo.wasm'));
    const digest = `sha256:${createHash('sha256').update(readFileSync(join(desired, 'echo.wasm'))).digest('hex')}`;
    await writeFile(join(desired, 'api.yaml'), deploymentYaml({
      id: 'api', version: '1.0.0', component: 'web', packageLocation: 'echo.wasm', digest,
      properties: `          triggers:
            - { kind: http, path: /api }
`,
    }));
    const state = join(dir, 'state');
    agent = startAgent(['--desired', desired, '--no-simulated-device', '--broker-port', '0', '--http-port', '0', '--http-tls-cert', leaf.cert, '--http-tls-key', leaf.key], state);
    await agent.until((s) => s.deployments[0]?.status.state === 'installed');
    const url = (JSON.parse(readFileSync(join(state, 'agent.json'), 'utf8')) as { http: string }).http;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await post(`${url}/api/echo`, ca, 'over tls')).toEqual({ status: 200, body: 'over tls' });
    await expect(post(`${url}/api/echo`, other, 'x')).rejects.toMatchObject({ code: expect.stringMatching(/UNABLE_TO_VERIFY|SELF_SIGNED|CERT/) });
  }, 60_000);
});
