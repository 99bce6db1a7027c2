import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AgentStatusReport } from '../../../host-node/status-server.js';
import { watComponentPath } from '../../support/wat-components.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { calcDeployment } from './fleet-fixtures.js';

const running: AgentProcess[] = [];
afterEach(async () => {
  for (const a of running.splice(0)) await a.stop('SIGKILL');
});

const digest = (path: string) => `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;

async function folders() {
  const root = await mkdtemp(join(tmpdir(), 'wasmhost-agent-'));
  const desired = join(root, 'desired');
  const state = join(root, 'state');
  await mkdir(desired);
  await copyFile(await watComponentPath('scalars'), join(desired, 'scalars.wasm'));
  return { desired, state, scalars: digest(join(desired, 'scalars.wasm')) };
}

const stateOf = (s: AgentStatusReport, id: string) => s.deployments.find((d) => d.deploymentId === id)?.status.state;

describe('wasmhost agent (a real child process, real files)', () => {
  it('deploys, updates, keeps the old version when an update fails, removes, and shuts down cleanly', async () => {
    const { desired, state, scalars } = await folders();
    await writeFile(join(desired, 'calc.yaml'), calcDeployment('1.0.0', [2, 3], scalars));
    const agent = startAgent(['--desired', desired, '--no-simulated-device', '--allow-in-process'], state);
    running.push(agent);

    await agent.until((s) => stateOf(s, 'calc') === 'installed');
    await agent.untilOutput('[bus] out/sum 5');

    await writeFile(join(desired, 'calc.yaml'), calcDeployment('1.1.0', [40, 2], scalars));
    const updated = await agent.until((s) => s.workloads[0]?.version === '1.1.0');
    expect(stateOf(updated, 'calc')).toBe('installed');
    await agent.untilOutput('[bus] out/sum 42');

    await writeFile(join(desired, 'calc.yaml'), calcDeployment('2.0.0', [1, 1], `sha256:${'0'.repeat(64)}`));
    const failed = await agent.until((s) => stateOf(s, 'calc') === 'failed');
    const error = failed.deployments[0].status.error!;
    expect(error.source).toBe('fetch');
    expect(error.message).toContain('digest mismatch');
    expect(error.message).toContain('version 1.1.0 keeps running');
    expect(failed.workloads.map((w) => w.version)).toEqual(['1.1.0']);
    // v1.1.0 goes on publishing: a result printed after the update failed.
    const seen = agent.output().length;
    await vi.waitFor(() => expect(agent.output().slice(seen)).toContain('[bus] out/sum 42'), { timeout: 30_000, interval: 50 });

    await writeFile(join(desired, 'calc.yaml'), 'kind: ApplicationDeployment\nmetadata: [not a map\n');
    await agent.untilOutput('keeping the previous desired state');
    expect((await agent.status())!.workloads).toHaveLength(1);

    await rm(join(desired, 'calc.yaml'));
    const removed = await agent.until((s) => stateOf(s, 'calc') === 'removed');
    expect(removed.workloads).toEqual([]);

    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(agent.output()).toContain('[agent] stopped');
    await expect(stat(join(state, 'agent.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('survives kill -9 in the middle of an install: the restart reaches the desired state without fetching or transpiling twice', async () => {
    const { desired, state } = await folders();
    // The JS component takes seconds to transpile, so the kill lands while it installs.
    const filterPath = 'examples/sensor-filter-js/sensor-filter.wasm';
    const served: string[] = [];
    const server = createServer((req, res) => {
      served.push(req.url!);
      res.writeHead(200, { 'content-type': 'application/wasm' }).end(readFileSync(filterPath));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await writeFile(join(desired, 'filter.yaml'), `apiVersion: application.margo.org/v1alpha1
kind: ApplicationDeployment
id: filter
metadata:
  name: filter
  annotations: { applicationId: filter, applicationVersion: 1.0.0 }
spec:
  deploymentProfile:
    type: wasm.component
    components:
      - name: filter
        properties:
          packageLocation: http://127.0.0.1:${port}/sensor-filter.wasm
          digest: ${digest(filterPath)}
          grants: { sensors: [temperature], actuators: [fan] }
          limits: { isolation: in-process }
`);
    try {
      const first = startAgent(['--desired', desired, '--allow-in-process'], state);
      running.push(first);
      // Kill once the bytes are stored and the install is under way (transpiling).
      await first.until(() => true);
      const componentsDir = join(state, 'components');
      const stored = async () => (await readdir(componentsDir).catch(() => [])).some((f) => f.endsWith('.wasm'));
      for (let i = 0; i < 1000 && !(await stored()); i++) await new Promise((r) => setTimeout(r, 10));
      // Read from the state file: while jco transpiles, the agent's thread is busy and its endpoint slow.
      const atKill = JSON.parse(readFileSync(join(state, 'agent-state.json'), 'utf8')) as AgentStatusReport;
      await first.stop('SIGKILL');
      expect(stateOf({ ...atKill, deployments: (atKill as unknown as { statuses: AgentStatusReport['deployments'] }).statuses }, 'filter')).toBe('installing');
      expect(served).toEqual(['/sensor-filter.wasm']);

      const second = startAgent(['--desired', desired, '--allow-in-process'], state);
      running.push(second);
      await second.until((s) => stateOf(s, 'filter') === 'installed');
      expect(served).toHaveLength(1);
      expect(await second.stop()).toBe(0);

      const artifacts = join(state, 'artifacts', 'jco');
      const [entry] = await readdir(artifacts);
      const transpiledAt = (await stat(join(artifacts, entry, 'component.js'))).mtimeMs;
      const third = startAgent(['--desired', desired, '--allow-in-process'], state);
      running.push(third);
      const resumed = await third.until((s) => s.workloads.length === 1);
      expect(resumed.workloads[0]).toMatchObject({ deployment: 'filter', component: 'filter', dead: false });
      expect(served).toHaveLength(1);
      expect((await stat(join(artifacts, entry, 'component.js'))).mtimeMs).toBe(transpiledAt);
    } finally {
      server.close();
    }
  });
});
