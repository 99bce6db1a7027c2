import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { watComponentPath } from '../../support/wat-components.js';
import { startAgent, type AgentProcess } from './agent-process.js';

const SERVER = resolve('examples/fleet-manager/server.mjs');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function startFleetManager(dir: string): Promise<string> {
  const child = spawn(process.execPath, [SERVER, '--dir', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  cleanups.push(async () => child.kill('SIGKILL'));
  return new Promise((resolveUrl, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolveUrl(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`fleet manager exited ${code}`)));
  });
}

function deployment(version: string, componentPath: string, limits = '{ isolation: worker }'): string {
  const digest = `sha256:${createHash('sha256').update(readFileSync(componentPath)).digest('hex')}`;
  return `apiVersion: application.margo.org/v1alpha1
kind: ApplicationDeployment
id: calc
metadata:
  name: calc
  annotations: { applicationId: calc, applicationVersion: ${version} }
spec:
  deploymentProfile:
    type: wasm.component
    components:
      - name: adder
        properties:
          packageLocation: ${componentPath}
          digest: ${digest}
          limits: ${limits}
`;
}

describe('wasmhost agent --wfm (the reference fleet manager, both real processes)', () => {
  it('applies accepted manifests, refuses a lower manifestVersion keeping what runs, and reports statuses and capabilities', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wasmhost-wfm-agent-'));
    const folder = join(root, 'fleet');
    await mkdir(folder);
    const scalars = await watComponentPath('scalars');
    await writeFile(join(folder, 'calc.yaml'), deployment('1.0.0', scalars));
    const url = await startFleetManager(folder);

    const agent: AgentProcess = startAgent(['--wfm', url, '--poll-seconds', '0.2', '--no-simulated-device'], join(root, 'state'));
    cleanups.push(() => agent.stop('SIGKILL'));
    const installed = await agent.until((s) => s.workloads[0]?.version === '1.0.0');
    expect(installed.source.manifestVersion).toBe('1');

    // A rollback of the manifest version, even with new content, is refused; v1 keeps running.
    await writeFile(join(folder, 'manifest.json'), JSON.stringify({ manifestVersion: 1 }));
    await writeFile(join(folder, 'calc.yaml'), deployment('2.0.0', scalars));
    await agent.untilOutput(/manifestVersion.*(not greater|strictly|stale|lower)/i);
    expect((await agent.status())!.workloads.map((w) => w.version)).toEqual(['1.0.0']);

    await rm(join(folder, 'manifest.json'));
    const updated = await agent.until((s) => s.workloads[0]?.version === '2.0.0');
    expect(Number(updated.source.manifestVersion)).toBeGreaterThan(1);

    const statuses = (await (await fetch(`${url}/debug/statuses`)).json()) as { deploymentId?: string; status?: { state: string } }[];
    expect(JSON.stringify(statuses)).toContain('"installed"');
    const capabilities = await fetch(`${url}/debug/capabilities/${encodeURIComponent(installed.deviceId)}`);
    expect(capabilities.status).toBe(200);
    expect(JSON.stringify(await capabilities.json())).toContain('DeviceCapabilitiesManifest');
  });

  it('a remote manifest asking for in-process is refused with the reason; --allow-in-process is refused with --wfm', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wasmhost-wfm-inprocess-'));
    const folder = join(root, 'fleet');
    await mkdir(folder);
    await writeFile(join(folder, 'calc.yaml'), deployment('1.0.0', await watComponentPath('scalars'), '{ isolation: in-process }'));
    const url = await startFleetManager(folder);

    const agent = startAgent(['--wfm', url, '--poll-seconds', '0.2', '--no-simulated-device'], join(root, 'state'));
    cleanups.push(() => agent.stop('SIGKILL'));
    const failed = await agent.until((s) => s.deployments.some((d) => d.status.state === 'failed'));
    expect(failed.workloads).toEqual([]);
    expect(failed.deployments[0].status.error).toMatchObject({
      code: 'denied',
      message: expect.stringContaining("asks to run in-process (in the host's thread, with no call time limit), which this device's local configuration does not allow"),
    });

    const allowed = startAgent(['--wfm', url, '--allow-in-process', '--no-simulated-device'], join(root, 'state2'));
    const code = allowed.child.exitCode ?? (await new Promise((r) => allowed.child.once('exit', r)));
    expect(code).toBe(2);
    expect(allowed.output()).toContain('--allow-in-process applies to a local --desired folder only');
  });
});
