// `wasmhost agent` with its embedded broker and the reference C peer, as real processes: a
// deployment whose grants name peer-7/temperature waits (pending) until peer-7 is online, runs
// while it is (a worker-isolated sensor-filter sampling the peer over the bridge), goes back to
// pending when the peer dies (SIGKILL, its Last Will) and runs again when the peer returns.
// The agent runs with mqtt.js made unloadable (test/support/deny-heavy-imports.mjs): with the
// broker embedded, the host talks to it in-process (host-node/aedes-transport.ts), and the C
// peer, a real libmosquitto client, still hears the host's rpc and is heard.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentStatusReport } from '../../../host-node/status-server.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { freePort } from '../../support/mosquitto.js';
import { peerFilterDeployment } from '../../support/telemetry-peer.js';

function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}
const MAKE = findTool('make');
const MISSING = [!findTool('gcc') && 'gcc', !MAKE && 'make', !existsSync('/usr/include/mosquitto.h') && 'libmosquitto-dev'].filter(Boolean);
if (MISSING.length > 0) console.warn(`agent bridge test skipped: missing ${MISSING.join(', ')} to build the C peer`);

const FILTER = 'examples/sensor-filter-js/sensor-filter.wasm';
const DENY_MQTT = { NODE_OPTIONS: `--import ${fileURLToPath(new URL('../../support/deny-heavy-imports.mjs', import.meta.url))}`, WASMHOST_DENY_MODULES: 'mqtt' };
const ALARM = 'examples/threshold-alarm-c/threshold-alarm.wasm';
const digest = (path: string) => `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;

/** threshold-alarm on peer-7's pushed readings (a `reading` trigger on a peer sensor), switching peer-7/relay. */
const alarm = (componentDigest: string) => `apiVersion: application.margo.org/v1alpha1
kind: ApplicationDeployment
id: peer-alarm
metadata:
  name: peer-alarm
  annotations:
    applicationId: peer-alarm
    applicationVersion: 1.0.0
spec:
  deploymentProfile:
    type: wasm.component
    components:
      - name: alarm
        properties:
          packageLocation: threshold-alarm.wasm
          digest: ${componentDigest}
          grants:
            sensors: [peer-7/temperature]
            actuators: [peer-7/relay]
          config:
            actuator: peer-7/relay
            threshold: "20"
          triggers:
            - kind: reading
              sensors: [peer-7/temperature]
              export: wasmhost:workload/reading-handler@0.1.0#on-reading
          limits:
            isolation: worker
            callTimeoutMs: 5000
`;

async function eventually(probe: () => boolean, what: () => string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const deploymentOf = (s: AgentStatusReport) => s.deployments.find((d) => d.deploymentId === 'peer-filter');

describe.skipIf(MISSING.length > 0)('wasmhost agent + embedded broker + the C peer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmhost-agent-bridge-'));
  const children: ChildProcess[] = [];
  let agent: AgentProcess | undefined;

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await agent?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  let peerOut = '';
  function startPeer(port: number): ChildProcess {
    const child = spawn(join(dir, 'peer'), ['--host', '127.0.0.1', '--port', String(port), '--id', 'peer-7', '--password-file', join(dir, 'peer-7.secret'),
      '--period-ms', '200', '--seq-file', join(dir, 'peer-7.seq'), '--temp-file', join(dir, 'temperature')], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout!.on('data', (d: Buffer) => (peerOut += d.toString()));
    children.push(child);
    return child;
  }

  it('pending without peer-7, installed while it is online, pending again after SIGKILL, installed after a restart', async () => {
    execFileSync(MAKE!, ['-s', '-C', 'examples/embedded-peer-c', `OUT=${dir}`, `${dir}/peer`], { stdio: 'pipe' });
    writeFileSync(join(dir, 'temperature'), '21.5\n');
    const desired = join(dir, 'desired');
    await mkdir(desired);
    await copyFile(FILTER, join(desired, 'sensor-filter.wasm'));
    await copyFile(ALARM, join(desired, 'threshold-alarm.wasm'));
    await writeFile(join(desired, 'peer-alarm.yaml'), alarm(digest(ALARM)));
    await writeFile(join(desired, 'peer-filter.yaml'), peerFilterDeployment(digest(FILTER)));
    const port = await freePort();

    // peer-7 is provisioned in the agent's state; the C peer reads its secret from a file.
    execFileSync(process.execPath, ['bin/wasmhost.js', 'peer', 'add', 'peer-7', '--state', join(dir, 'state'), '--secret-file', join(dir, 'peer-7.secret')], { stdio: 'pipe' });
    agent = startAgent(['--desired', desired, '--broker-port', String(port)], join(dir, 'state'), DENY_MQTT);
    await agent.untilOutput(`embedded MQTT broker at mqtt://127.0.0.1:${port}`);
    const waiting = await agent.until((s) => deploymentOf(s)?.status.state === 'pending' && !!deploymentOf(s)?.status.error);
    expect(deploymentOf(waiting)!.status.error!.message).toBe('waiting for peer peer-7');
    expect(waiting.workloads).toEqual([]);

    let peer = startPeer(port);
    await agent.until((s) => deploymentOf(s)?.status.state === 'installed');
    await agent.untilOutput(/\[bus\] greenhouse\/peer-7\/filtered \{"ok":\{"value":21\.5/);
    // The alarm runs on the readings peer-7 pushes (21.5 > 20) and switches the peer's relay over rpc.
    await agent.until((s) => s.deployments.find((d) => d.deploymentId === 'peer-alarm')?.status.state === 'installed');
    await eventually(() => peerOut.includes('rpc set relay 1 -> ok'), () => `the relay switched on; peer stdout:\n${peerOut}\nagent:\n${agent!.output()}`);
    expect((await agent.status())!.peers).toMatchObject([{ id: 'peer-7', online: true }]);

    peer.kill('SIGKILL');
    const parked = await agent.until((s) => deploymentOf(s)?.status.state === 'pending');
    expect(deploymentOf(parked)!.status.error!.message).toBe('waiting for peer peer-7');
    expect(parked.workloads).toEqual([]);
    expect(parked.peers).toMatchObject([{ id: 'peer-7', online: false }]);
    expect(agent.output()).toContain('[bridge] peer peer-7 offline');

    writeFileSync(join(dir, 'temperature'), '23\n');
    peer = startPeer(port);
    await agent.until((s) => deploymentOf(s)?.status.state === 'installed');
    await agent.untilOutput(/\[bus\] greenhouse\/peer-7\/filtered \{"ok":\{"value":23\b/);

    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(agent.output()).toContain('[agent] stopped');
    expect(agent.output()).not.toMatch(/must not be loaded/);
  }, 60_000);
});
