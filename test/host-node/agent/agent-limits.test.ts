// Limits a manifest cannot switch off, against a real agent process: a looping workload in a
// worker leaves the agent responsive and SIGTERM-able; in-process needs the operator's flag.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentStatusReport } from '../../../host-node/status-server.js';
import { watComponentPath } from '../../support/wat-components.js';
import { startAgent, type AgentProcess } from './agent-process.js';

const running: AgentProcess[] = [];
afterEach(async () => {
  for (const a of running.splice(0)) await a.stop('SIGKILL');
});

/** The runaway component's `spin` (an endless loop) called every 100 ms, with the given limits. */
function spinner(digest: string, limits: string): string {
  return `apiVersion: application.margo.org/v1alpha1
kind: ApplicationDeployment
id: spinner
metadata:
  name: spinner
  annotations: { applicationId: spinner, applicationVersion: 1.0.0 }
spec:
  deploymentProfile:
    type: wasm.component
    components:
      - name: spin
        properties:
          packageLocation: runaway.wasm
          digest: ${digest}
          triggers:
            - { kind: interval, everyMs: 100, export: spin }
          limits: ${limits}
`;
}

async function folder(limits: string) {
  const root = await mkdtemp(join(tmpdir(), 'wasmhost-agent-limits-'));
  const desired = join(root, 'desired');
  await mkdir(desired);
  const wasm = join(desired, 'runaway.wasm');
  await copyFile(await watComponentPath('runaway'), wasm);
  await writeFile(join(desired, 'spinner.yaml'), spinner(`sha256:${createHash('sha256').update(readFileSync(wasm)).digest('hex')}`, limits));
  return { desired, state: join(root, 'state') };
}

/** The status endpoint's answer; a frozen agent fails this (bounded, so the test cannot hang). */
async function statusNow(stateDir: string): Promise<AgentStatusReport> {
  const { url } = JSON.parse(readFileSync(join(stateDir, 'agent.json'), 'utf8')) as { url: string };
  return (await (await fetch(url, { signal: AbortSignal.timeout(5000) })).json()) as AgentStatusReport;
}

describe('wasmhost agent limits (a real child process)', () => {
  it('a looping workload in a worker is stopped at its time limit; the status endpoint answers and SIGTERM exits', async () => {
    const { desired, state } = await folder('{ callTimeoutMs: 200 }');
    const agent = startAgent(['--desired', desired, '--no-simulated-device', '--broker-port', '0'], state);
    running.push(agent);
    await agent.until((s) => (s.workloads[0]?.restarts ?? 0) >= 2);
    // While the workload keeps looping and restarting, the agent's own thread stays free.
    for (let i = 0; i < 5; i++) {
      const report = await statusNow(state);
      expect(report.deployments[0].status.state).toBe('installed');
      expect(report.workloads[0].lastError).toContain('spin did not return within 200 ms');
    }
    const code = await agent.stop('SIGTERM');
    expect(code).toBe(0);
    expect(agent.output()).toContain('[agent] stopped');
  }, 60_000);

  it('a local deployment asking for in-process without --allow-in-process is refused with the reason', async () => {
    const { desired, state } = await folder('{ isolation: in-process }');
    const agent = startAgent(['--desired', desired, '--no-simulated-device', '--broker-port', '0'], state);
    running.push(agent);
    const failed = await agent.until((s) => s.deployments[0]?.status.state === 'failed');
    expect(failed.workloads).toEqual([]);
    expect(failed.deployments[0].status.error?.message).toContain('which this device\'s local configuration does not allow; run it isolated in a worker (limits.isolation: worker), or have the device\'s operator allow in-process workloads (wasmhost agent --allow-in-process)');
    expect(await agent.stop('SIGTERM')).toBe(0);
  }, 60_000);
});
