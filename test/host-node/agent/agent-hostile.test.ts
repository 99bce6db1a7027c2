// Attacks from a fleet manager and from package servers, against a real `wasmhost agent`
// following the reference fleet manager (both child processes; packages from a hostile
// server in this test, all on 127.0.0.1). Each attack is refused while the legitimate
// deployment keeps running, polls keep coming, and SIGTERM still stops the agent.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watComponentPath } from '../../support/wat-components.js';
import {
  bytesRoute, endlessRoute, gzipBombRoute, slowLorisRoute, startHostileServer, type HostileServer,
} from '../../support/hostile-http-server.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { deploymentYaml, digestOf, startFleetManager, type FleetManager } from './fleet-fixtures.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const MiB = 1024 * 1024;
const ARGS = ['--insecure-http', '--poll-seconds', '0.2', '--no-simulated-device', '--broker-port', '0'];

/** Peak resident memory of a process (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  return Number(kb) * 1024;
}

interface Setup { root: string; folder: string; fm: FleetManager; packages: HostileServer; scalars: Uint8Array; good(id: string, version: string): string }

async function setup(): Promise<Setup> {
  const root = await mkdtemp(join(tmpdir(), 'wasmhost-hostile-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const folder = join(root, 'fleet');
  await mkdir(folder);
  const scalars = new Uint8Array(readFileSync(await watComponentPath('scalars')));
  const packages = await startHostileServer({
    '/scalars.wasm': bytesRoute(scalars), '/zero.wasm': endlessRoute(), '/bomb.wasm': gzipBombRoute(),
    '/loris.wasm': slowLorisRoute(), '/loris2.wasm': slowLorisRoute(),
  });
  cleanups.push(() => packages.close());
  const fm = await startFleetManager(folder);
  cleanups.push(async () => fm.stop());
  const good = (id: string, version: string) => deploymentYaml({ id, version, packageLocation: `${packages.url}/scalars.wasm`, digest: digestOf(scalars) });
  return { root, folder, fm, packages, scalars, good };
}

function agentOn(s: Setup, state = 'state'): AgentProcess {
  const agent = startAgent(['--wfm', s.fm.url, ...ARGS], join(s.root, state));
  cleanups.push(() => agent.stop('SIGKILL'));
  return agent;
}

const versions = (a: AgentProcess) => a.status().then((st) => st!.workloads.map((w) => `${w.deployment}@${w.version}`).sort());

describe('a hostile fleet manager or package server, against a real agent', () => {
  it('refuses each attack while calc keeps running, keeps polling through a stuck download, and stops on SIGTERM', async () => {
    const s = await setup();
    const write = (file: string, text: string) => writeFile(join(s.folder, file), text);
    await write('calc.yaml', s.good('calc', '1.0.0'));
    const agent = agentOn(s);
    await agent.until((st) => st.workloads[0]?.version === '1.0.0');

    // Hole 6: a manifestVersion of 2^64-1 would lock out every later update; it is refused.
    await write('manifest.json', '{"manifestVersion": 18446744073709551615}');
    await agent.untilOutput(/manifestVersion 18446744073709552000 is above 9007199254740991 \(2\^53-1\)/);
    await rm(join(s.folder, 'manifest.json'));

    // Hole 9: an entry "calc" whose YAML declares deployment "other" refuses the whole manifest.
    await write('calc.yaml', s.good('other', '9.0.0'));
    await agent.untilOutput('the manifest entry\'s deploymentId is "calc" but its YAML declares deployment id "other"');
    expect(await versions(agent)).toEqual(['calc@1.0.0']);

    // Hole 4: local paths from a fleet manager, absolute or relative, are never read.
    const hostname = readFileSync('/etc/hostname', 'utf8').trim();
    for (const location of ['/etc/hostname', '../../../../etc/hostname']) {
      await write('calc.yaml', deploymentYaml({ id: 'calc', version: '6.6.6', packageLocation: location, digest: digestOf(s.scalars) }));
      await agent.untilOutput(`packageLocation ${JSON.stringify(location)}: a fleet manager's deployment must name an https URL`);
    }
    expect(await versions(agent)).toEqual(['calc@1.0.0']);
    const posted = await (await fetch(`${s.fm.url}/debug/statuses`)).text();
    if (hostname.length >= 6) expect(posted + agent.output().replaceAll('/etc/hostname', '')).not.toContain(hostname);
    expect(posted).not.toContain('6.6.6');

    // Hole 3: an endless package and a gzip bomb fail at the cap, with memory bounded; calc runs on.
    await write('calc.yaml', s.good('calc', '1.0.0'));
    // (Digests not in the component store: one already there is used without any fetch.)
    const unknown = (n: string) => digestOf(new TextEncoder().encode(n));
    await write('zero.yaml', deploymentYaml({ id: 'zero', version: '1', packageLocation: `${s.packages.url}/zero.wasm`, digest: unknown('zero') }));
    await write('bomb.yaml', deploymentYaml({ id: 'bomb', version: '1', packageLocation: `${s.packages.url}/bomb.wasm`, digest: unknown('bomb') }));
    const failed = await agent.until((st) => ['zero', 'bomb'].every((id) => st.deployments.find((d) => d.deploymentId === id)?.status.state === 'failed'), 120_000);
    const message = (id: string) => failed.deployments.find((d) => d.deploymentId === id)!.status.error!.message;
    expect(message('zero')).toContain(`response body over ${64 * MiB} bytes; refused`);
    expect(message('bomb')).toContain(`response body over ${64 * MiB} bytes once decoded; refused`);
    expect(await versions(agent)).toEqual(['calc@1.0.0']);
    // The bomb decodes to 1 GiB and /dev/zero never ends; before the caps the agent grew to GBs.
    expect(peakRss(agent.child.pid!)).toBeLessThan(512 * MiB);
    expect(s.packages.stats('/zero.wasm').bytesWritten).toBeLessThan(64 * MiB + 32 * MiB);
    await rm(join(s.folder, 'zero.yaml'));
    await rm(join(s.folder, 'bomb.yaml'));

    // A package that trickles a byte a second: the install hangs, polling does not, and the
    // next manifest supersedes it (the download is aborted) while v1 keeps serving meanwhile.
    await write('calc.yaml', deploymentYaml({ id: 'calc', version: '2.0.0', packageLocation: `${s.packages.url}/loris.wasm`, digest: unknown('v2') }));
    await agent.until((st) => st.deployments.find((d) => d.deploymentId === 'calc')?.status.state === 'installing');
    const polls = s.fm.polls();
    await agent.until(() => s.fm.polls() >= polls + 5);
    expect(s.packages.stats('/loris.wasm')).toMatchObject({ requests: 1, closedEarly: 0 });
    expect(await versions(agent)).toEqual(['calc@1.0.0']);
    await write('calc.yaml', s.good('calc', '3.0.0'));
    await agent.until((st) => st.workloads[0]?.version === '3.0.0');
    expect(s.packages.stats('/loris.wasm').closedEarly).toBe(1);

    // SIGTERM while a download hangs: the agent stops at once, not after the download's deadline.
    await write('calc.yaml', deploymentYaml({ id: 'calc', version: '4.0.0', packageLocation: `${s.packages.url}/loris2.wasm`, digest: unknown('v4') }));
    await agent.until(() => s.packages.stats('/loris2.wasm').requests === 1);
    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(agent.output()).toContain('[agent] stopped');
    expect(agent.output()).not.toContain('forced exit');
  });

  it('at restart, polls before resuming an unfinished install, so a newer manifest supersedes a stuck one', async () => {
    const s = await setup();
    await writeFile(join(s.folder, 'calc.yaml'), deploymentYaml({ id: 'calc', version: '1.0.0', packageLocation: `${s.packages.url}/loris.wasm`, digest: digestOf(new TextEncoder().encode('v1')) }));
    const first = agentOn(s);
    await first.until(() => s.packages.stats('/loris.wasm').requests === 1);
    await first.stop('SIGKILL'); // a crash (or power loss) in the middle of the download

    await writeFile(join(s.folder, 'calc.yaml'), s.good('calc', '2.0.0'));
    const second = agentOn(s);
    await second.until((st) => st.workloads[0]?.version === '2.0.0');
    // The stuck v1 download was never started again: the first poll came first.
    expect(s.packages.stats('/loris.wasm').requests).toBe(1);
  });

  it('refuses a plain-http fleet manager unless --insecure-http is given', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wasmhost-hostile-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    let result: { status: number; out: string };
    try {
      const out = execFileSync(process.execPath, ['bin/wasmhost.js', 'agent', '--wfm', 'http://fleet.example:8080', '--state', join(root, 's')], { stdio: 'pipe', timeout: 20_000 });
      result = { status: 0, out: out.toString() };
    } catch (error) {
      const e = error as { status: number; stderr: Buffer; stdout: Buffer };
      result = { status: e.status, out: `${e.stdout}${e.stderr}` };
    }
    expect(result.status).not.toBe(0);
    expect(result.out).toMatch(/--wfm http:\/\/fleet\.example:8080 is plain http: .*pass --insecure-http/);
  });
});
