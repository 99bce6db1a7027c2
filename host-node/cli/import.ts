// `wasmhost import <bundle.tar.gz | folder>`: air-gapped install. The desired state and its
// components are verified whole, the components put in the agent's component store (by digest),
// then the desired state is recorded as one file in <state>/imported/, atomically. The agent
// follows that folder (when started without --desired or --wfm) like any --desired folder:
// a running one applies the import at once, a stopped one when it starts.
//
// Why a folder and not a request to the running agent's status endpoint: the endpoint is
// read-only, and loopback HTTP that changes what a device runs would let any local process or
// web page reach it; the state directory is guarded by its file permissions, survives
// restarts, and works the same whether an agent runs or not.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { IMPORTED_FILE, prepareImport } from '../../src/deploy/import-desired.js';
import { IMPORTED_DIR } from '../desired-dir.js';
import { createFileComponentStore, writeFileAtomic } from '../file-agent-ports.js';
import { openImportSource } from '../import-source.js';
import { WasmhostError } from '../../src/errors.js';

/** `wasmhost import`: verifies and records a desired state from removable media; returns the exit code. */
export async function importCommand(path: string, stateDir: string, json: boolean): Promise<number> {
  const source = await openImportSource(path);
  if (source.manifests.length === 0) {
    throw new WasmhostError('bad-input', `cannot import ${path}: no ApplicationDeployment or ApplicationDescription (.yaml, .yml, .json) at its top level; nothing was recorded`);
  }
  const folder = resolve(stateDir, IMPORTED_DIR);
  const prepared = await prepareImport(source.manifests, source.readComponent, folder);
  const store = createFileComponentStore(join(stateDir, 'components'));
  for (const [digest, bytes] of prepared.components) await store.put(digest, bytes);
  await writeFileAtomic(join(folder, IMPORTED_FILE), prepared.text);
  const agent = await runningAgent(stateDir, folder);
  if (json) {
    const deployments = prepared.desired.map((d) => ({ id: d.id, version: d.version, components: d.components.map((c) => ({ name: c.name, digest: c.digest })) }));
    process.stdout.write(`${JSON.stringify({ recorded: join(folder, IMPORTED_FILE), deployments, agent }, null, 2)}\n`);
    return 0;
  }
  const lines = [`imported ${prepared.desired.length} deployment(s) from ${path}, ${prepared.components.size} component(s) verified; recorded in ${join(folder, IMPORTED_FILE)}`];
  for (const d of prepared.desired) lines.push(`  ${d.id} ${d.version}: ${d.components.map((c) => `${c.name} (${c.digest.slice(0, 19)}…)`).join(', ')}`);
  lines.push(agent.note);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** Whether an agent runs on `stateDir` and follows the imported folder (from its agent.json). */
async function runningAgent(stateDir: string, folder: string): Promise<{ pid?: number; follows?: string; applies: boolean; note: string }> {
  let endpoint: { pid: number; url: string; follows?: string };
  try {
    endpoint = JSON.parse(await readFile(join(stateDir, 'agent.json'), 'utf8'));
    await fetch(endpoint.url, { signal: AbortSignal.timeout(2000) });
  } catch {
    return { applies: false, note: `no agent runs on ${stateDir} now: \`wasmhost agent --state ${stateDir}\` applies it when it starts` };
  }
  const { pid, follows } = endpoint;
  if (follows === folder) return { pid, follows, applies: true, note: `the agent (pid ${pid}) follows ${folder} and applies it now; \`wasmhost status --state ${stateDir}\` shows progress` };
  return {
    pid, follows, applies: false,
    note: `the agent running on ${stateDir} (pid ${pid}) follows ${follows ?? 'another source'}, not the import: restart it as \`wasmhost agent --state ${stateDir}\` (no --desired or --wfm) to apply it`,
  };
}
