import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { WasmhostError } from '../src/errors.js';
import type { AgentState, AgentStateStore, Clock, ComponentStore, PackageFetcher } from '../src/ports/agent-ports.js';

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

/** Packages from files (relative to the manifest's directory) or https URLs. */
export function createPackageFetcher(): PackageFetcher {
  return {
    async fetch(location, base) {
      // An absolute path is a file on this device; a relative one resolves against the manifest's base (folder or URL).
      const remoteBase = base !== undefined && /^https?:\/\//.test(base) && !isAbsolute(location);
      const url = /^https?:\/\//.test(location) ? location : remoteBase ? new URL(location, base).href : undefined;
      if (url) {
        const response = await fetch(url).catch((e: Error) => { throw new WasmhostError('io', `cannot fetch ${url}: ${e.message}`); });
        if (!response.ok) throw new WasmhostError('io', `cannot fetch ${url}: HTTP ${response.status}`);
        return new Uint8Array(await response.arrayBuffer());
      }
      const path = isAbsolute(location) || !base ? location : resolve(base, location);
      return readFile(path).catch((e: NodeJS.ErrnoException) => {
        throw new WasmhostError('io', `cannot read package ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
      });
    },
  };
}

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
