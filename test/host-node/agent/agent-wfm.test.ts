import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { watComponentPath } from '../../support/wat-components.js';
import { bytesRoute, startHostileServer } from '../../support/hostile-http-server.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { deploymentYaml, digestOf, startFleetManager } from './fleet-fixtures.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('wasmhost agent --wfm (the reference fleet manager, both real processes)', () => {
  it('applies accepted manifests, refuses a lower manifestVersion keeping what runs, and reports statuses and capabilities', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wasmhost-wfm-agent-'));
    const folder = join(root, 'fleet');
    await mkdir(folder);
    const scalars = readFileSync(await watComponentPath('scalars'));
    const packages = await startHostileServer({ '/scalars.wasm': bytesRoute(scalars) });
    cleanups.push(() => packages.close());
    const deployment = (version: string) =>
      deploymentYaml({ id: 'calc', version, packageLocation: `${packages.url}/scalars.wasm`, digest: digestOf(scalars) });
    await writeFile(join(folder, 'calc.yaml'), deployment('1.0.0'));
    const fm = await startFleetManager(folder);
    cleanups.push(async () => fm.stop());
    const url = fm.url;

    const agent: AgentProcess = startAgent(['--wfm', url, '--insecure-http', '--poll-seconds', '0.2', '--no-simulated-device'], join(root, 'state'));
    cleanups.push(() => agent.stop('SIGKILL'));
    const installed = await agent.until((s) => s.workloads[0]?.version === '1.0.0');
    expect(installed.source.manifestVersion).toBe('1');

    // A rollback of the manifest version, even with new content, is refused; v1 keeps running.
    await writeFile(join(folder, 'manifest.json'), JSON.stringify({ manifestVersion: 1 }));
    await writeFile(join(folder, 'calc.yaml'), deployment('2.0.0'));
    await agent.untilOutput(/manifestVersion.*(not greater|strictly|stale|lower)/i);
    expect((await agent.status())!.workloads.map((w) => w.version)).toEqual(['1.0.0']);

    await rm(join(folder, 'manifest.json'));
    const updated = await agent.until((s) => s.workloads[0]?.version === '2.0.0');
    expect(Number(updated.source.manifestVersion)).toBeGreaterThan(1);

    const statuses = (await (await fetch(`${url}/debug/statuses`)).json()) as { deploymentId?: string; status?: { state: string } }[];
    expect(JSON.stringify(statuses)).toContain('"installed"');
    const capabilities = await fetch(`${url}/debug/capabilities/${encodeURIComponent(installed.deviceId)}`);
    expect(capabilities.status).toBe(200);
    expect(JSON.stringify(await capabilities.json())).toContain(`"id":"${installed.deviceId}"`);
  });
  it('a remote manifest asking for in-process is refused with the reason; --allow-in-process is refused with --wfm', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wasmhost-wfm-inprocess-'));
    const folder = join(root, 'fleet');
    await mkdir(folder);
    const scalars = readFileSync(await watComponentPath('scalars'));
    const packages = await startHostileServer({ '/scalars.wasm': bytesRoute(scalars) });
    cleanups.push(() => packages.close());
    await writeFile(join(folder, 'calc.yaml'), deploymentYaml({
      id: 'calc', version: '1.0.0', packageLocation: `${packages.url}/scalars.wasm`, digest: digestOf(scalars), limits: '{ isolation: in-process }',
    }));
    const fm = await startFleetManager(folder);
    cleanups.push(async () => fm.stop());

    const agent = startAgent(['--wfm', fm.url, '--insecure-http', '--poll-seconds', '0.2', '--no-simulated-device'], join(root, 'state'));
    cleanups.push(() => agent.stop('SIGKILL'));
    const failed = await agent.until((s) => s.deployments.some((d) => d.status.state === 'failed'));
    expect(failed.workloads).toEqual([]);
    expect(failed.deployments[0].status.error).toMatchObject({
      code: 'denied',
      message: expect.stringContaining("asks to run in-process (in the host's thread, with no call time limit), which this device's local configuration does not allow"),
    });

    const allowed = startAgent(['--wfm', fm.url, '--insecure-http', '--allow-in-process', '--no-simulated-device'], join(root, 'state2'));
    const code = allowed.child.exitCode ?? (await new Promise((r) => allowed.child.once('exit', r)));
    expect(code).toBe(2);
    expect(allowed.output()).toContain('--allow-in-process applies to a local --desired folder only');
  });
});
