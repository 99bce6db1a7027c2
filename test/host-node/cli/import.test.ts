import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { IMPORT_BUDGETS, openImportSource } from '../../../host-node/import-source.js';
import type { AgentStatusReport } from '../../../host-node/status-server.js';
import { writeTar, writeTarGz } from '../../support/tar-writer.js';
import { watComponentPath } from '../../support/wat-components.js';
import { startAgent, type AgentProcess } from '../agent/agent-process.js';
import { wasmhost } from './run-cli.js';
import { calcDeployment as calcDeploymentAt } from '../agent/fleet-fixtures.js';

const running: AgentProcess[] = [];
afterEach(async () => {
  for (const a of running.splice(0)) await a.stop('SIGKILL');
});
const AGENT_ARGS = ['--no-simulated-device', '--allow-in-process', '--broker-port', '0'];
const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const stateOf = (s: AgentStatusReport, id: string) => s.deployments.find((d) => d.deploymentId === id)?.status.state;

/** The calc deployment, its component at `components/scalars.wasm` of the bundle unless said otherwise. */
const calcDeployment = (version: string, args: [number, number], digest: string, location = 'components/scalars.wasm') =>
  calcDeploymentAt(version, args, digest, location);

/** A media folder `<root>/media` with calc.yaml and components/scalars.wasm (tampered: one byte changed, digest kept). */
async function media(version: string, args: [number, number], options: { tampered?: boolean } = {}) {
  const root = await mkdtemp(join(tmpdir(), 'wasmhost-import-'));
  const folder = join(root, 'media');
  await mkdir(join(folder, 'components'), { recursive: true });
  const bytes = new Uint8Array(readFileSync(await watComponentPath('scalars')));
  const digest = sha256(bytes);
  if (options.tampered) bytes[bytes.length - 1] ^= 1;
  await writeFile(join(folder, 'components', 'scalars.wasm'), bytes);
  await writeFile(join(folder, 'calc.yaml'), calcDeployment(version, args, digest));
  return { root, folder, digest, state: join(root, 'state') };
}

/** `tar czf` of the folder with the system's GNU tar (entries under `media/`). */
function systemTar(root: string, out: string): string {
  const run = spawnSync('tar', ['-czf', out, '-C', root, 'media'], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return out;
}

describe('wasmhost import (air-gapped install)', () => {
  it('imports a tar.gz bundle into a state directory; an agent started on it installs the workload from the component store', async () => {
    const { root, folder, digest, state } = await media('1.0.0', [2, 3]);
    const bundle = systemTar(root, join(root, 'bundle.tar.gz'));
    const result = wasmhost(['import', bundle, '--state', state]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('imported 1 deployment(s)');
    expect(result.stdout).toContain('calc 1.0.0: adder');
    expect(result.stdout).toContain('no agent runs on');
    expect(await readdir(join(state, 'components'))).toEqual([`${digest.slice(7)}.wasm`]);
    // The media is gone before the agent starts: it installs from what import stored.
    await rm(folder, { recursive: true });
    await rm(bundle);
    const agent = startAgent(AGENT_ARGS, state);
    running.push(agent);
    await agent.until((s) => stateOf(s, 'calc') === 'installed');
    await agent.untilOutput('[bus] out/sum 5');
  });

  it('a running agent applies each import at once; a tampered component refuses the whole import and changes nothing', async () => {
    const v1 = await media('1.0.0', [2, 3]);
    const state = v1.state;
    const agent = startAgent(AGENT_ARGS, state);
    running.push(agent);
    await agent.until(() => true);

    const first = wasmhost(['import', systemTar(v1.root, join(v1.root, 'v1.tgz')), '--state', state]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/the agent \(pid \d+\) follows .* and applies it now/);
    await agent.until((s) => stateOf(s, 'calc') === 'installed');
    await agent.untilOutput('[bus] out/sum 5');
    const recorded = await readFile(join(state, 'imported', 'desired.yaml'), 'utf8');
    const stored = await readdir(join(state, 'components'));

    const bad = await media('2.0.0', [1, 1], { tampered: true });
    const refused = wasmhost(['import', systemTar(bad.root, join(bad.root, 'bad.tgz')), '--state', state]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('import refused, nothing was recorded');
    expect(refused.stderr).toContain('component file "components/scalars.wasm" (deployment "calc", component "adder"): digest mismatch');
    expect(await readFile(join(state, 'imported', 'desired.yaml'), 'utf8')).toBe(recorded);
    expect(await readdir(join(state, 'components'))).toEqual(stored);
    expect((await agent.status())!.workloads.map((w) => w.version)).toEqual(['1.0.0']);

    // The agent still follows the folder: the next good import updates it.
    const v2 = await media('1.1.0', [40, 2]);
    const second = wasmhost(['import', systemTar(v2.root, join(v2.root, 'v2.tgz')), '--state', state]);
    expect(second.code, second.stderr).toBe(0);
    await agent.until((s) => s.workloads[0]?.version === '1.1.0');
    await agent.untilOutput('[bus] out/sum 42');
  });

  it('an agent restarted without a source keeps its state until something is imported', async () => {
    const { folder, state } = await media('1.0.0', [2, 3]);
    const first = startAgent(['--desired', folder, ...AGENT_ARGS], state);
    running.push(first);
    await first.until((s) => stateOf(s, 'calc') === 'installed');
    await first.stop();
    const second = startAgent(AGENT_ARGS, state);
    running.push(second);
    await second.untilOutput('no desired state imported into');
    await second.untilOutput('[bus] out/sum 5');
    expect(stateOf((await second.status())!, 'calc')).toBe('installed');
    expect(second.output()).not.toContain('calc removing');
  });

  it('imports a folder too, and says when the running agent follows another source', async () => {
    const { root, folder, state } = await media('1.0.0', [2, 3]);
    const other = join(root, 'elsewhere');
    await mkdir(other);
    const agent = startAgent(['--desired', other, ...AGENT_ARGS], state);
    running.push(agent);
    await agent.until(() => true);
    const result = wasmhost(['import', folder, '--state', state, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { deployments: { id: string; version: string }[]; agent: { applies: boolean; follows: string } };
    expect(report.deployments).toMatchObject([{ id: 'calc', version: '1.0.0' }]);
    expect(report.agent).toMatchObject({ applies: false, follows: other });
  });

  it('refuses a component named by URL or missing from the bundle, and a bundle without manifests, recording nothing', async () => {
    const { state, digest } = await media('1.0.0', [2, 3]);
    const cases: [Uint8Array, string][] = [
      [writeTarGz([{ name: 'calc.yaml', data: calcDeployment('1.0.0', [1, 2], digest, 'https://example.com/scalars.wasm') }]), 'is a URL; an import must carry every component as a file'],
      [writeTarGz([{ name: 'calc.yaml', data: calcDeployment('1.0.0', [1, 2], digest) }]), 'component file "components/scalars.wasm" (deployment "calc", component "adder"): no such file in the bundle'],
      [writeTarGz([{ name: 'components/scalars.wasm', data: 'x' }]), 'no ApplicationDeployment or ApplicationDescription'],
    ];
    for (const [bytes, message] of cases) {
      const bundle = join(state, '..', 'case.tar.gz');
      await writeFile(bundle, bytes);
      const result = wasmhost(['import', bundle, '--state', state]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(message);
    }
    expect(existsSync(join(state, 'imported', 'desired.yaml'))).toBe(false);
    expect(existsSync(join(state, 'components'))).toBe(false);
  });

  it.each([
    ['a name that climbs out', [{ name: '../../evil.yaml', data: 'kind: ApplicationDeployment' }], 'climbs out of the archive'],
    ['a symlink', [{ name: 'calc.yaml', type: '2', linkname: '/etc/passwd' }], 'symbolic link'],
    ['a device', [{ name: 'calc.yaml', type: '3' }], 'character device'],
  ])('refuses a bundle with %s, recording nothing', async (_, entries, message) => {
    const { state } = await media('1.0.0', [2, 3]);
    const bundle = join(state, '..', 'evil.tar.gz');
    await writeFile(bundle, writeTarGz(entries));
    const result = wasmhost(['import', bundle, '--state', state]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('tar archive refused');
    expect(result.stderr).toContain(message);
    expect(existsSync(state)).toBe(false);
  });
});

describe('openImportSource budgets', () => {
  const small = { ...IMPORT_BUDGETS, maxTotalBytes: 64 * 1024, maxEntries: 4, maxComponentBytes: 2048, maxManifestBytes: 1024 };
  async function bundleOf(bytes: Uint8Array): Promise<string> {
    const path = join(await mkdtemp(join(tmpdir(), 'wasmhost-import-budget-')), 'b.tar.gz');
    await writeFile(path, bytes);
    return path;
  }

  it('refuses a bundle that decompresses past the total budget (a gzip bomb)', async () => {
    const bomb = gzipSync(writeTar([{ name: 'zeros.wasm', data: new Uint8Array(1024 * 1024) }]));
    expect(bomb.length).toBeLessThan(small.maxTotalBytes);
    await expect(openImportSource(await bundleOf(bomb), small)).rejects.toThrow('decompresses to more than the 65536-byte limit');
  });

  it('refuses too many entries, an oversized manifest and an oversized component', async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.yaml`, data: 'x' }));
    await expect(openImportSource(await bundleOf(writeTarGz(many)), small)).rejects.toThrow('more than 4 entries');
    const bigManifest = writeTarGz([{ name: 'calc.yaml', data: 'x'.repeat(1025) }]);
    await expect(openImportSource(await bundleOf(bigManifest), small)).rejects.toThrow('manifest calc.yaml is 1025 bytes, over the 1024-byte limit');
    const bigComponent = writeTarGz([{ name: 'calc.yaml', data: 'x' }, { name: 'c.wasm', data: new Uint8Array(2049) }]);
    await expect(openImportSource(await bundleOf(bigComponent), small)).rejects.toThrow('at entry "c.wasm": its size 2049 is over the 2048-byte limit of one entry');
  });

  it('reads a bundle whose entries sit at its top level, with ./ names (tar -C folder .)', async () => {
    const { root, folder } = await media('1.0.0', [2, 3]);
    const out = join(root, 'flat.tar.gz');
    expect(spawnSync('tar', ['-czf', out, '-C', folder, '.']).status).toBe(0);
    const source = await openImportSource(out);
    expect(source.manifests.map((m) => m.source)).toEqual(['flat.tar.gz:calc.yaml']);
    expect(sha256(await source.readComponent('./components/scalars.wasm'))).toBe(sha256(readFileSync(join(folder, 'components', 'scalars.wasm'))));
  });
});
