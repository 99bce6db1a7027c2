import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WasmhostError } from '../src/errors.js';
import type { AgentState, AgentStateStore, Clock, ComponentStore } from '../src/ports/agent-ports.js';

/** Writes a file so that a crash leaves either the old or the new content: temp file, fsync, rename. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

export { createPackageFetcher } from './package-fetcher.js';

/** Component bytes in `<dir>/<hex>.wasm`. */
export function createFileComponentStore(dir: string): ComponentStore {
  const path = (digest: string) => join(dir, `${digest.replace(/^sha256:/, '')}.wasm`);
  return {
    get: (digest) => readFile(path(digest)).then((b) => new Uint8Array(b), () => undefined),
    put: (digest, bytes) => writeFileAtomic(path(digest), bytes),
  };
}

/** Agent state as one JSON file, replaced atomically on every save. */
export function createFileStateStore(path: string): AgentStateStore {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      try {
        return JSON.parse(text) as AgentState;
      } catch (error) {
        throw new WasmhostError('bad-input', `agent state ${path} is not valid JSON (${(error as Error).message}); move it away to start afresh`);
      }
    },
    save: (state) => writeFileAtomic(path, JSON.stringify(state, null, 2)),
  };
}

/** Wall-clock time and real timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setInterval(callback, ms) {
    const timer = setInterval(callback, ms);
    return () => clearInterval(timer);
  },
};
