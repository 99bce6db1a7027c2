import { watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DesiredDeployment } from '../src/deploy/types.js';

/** The files of a desired-state folder that hold manifests (at its top level, not starting with a dot). */
export const MANIFEST_FILE = /\.(ya?ml|json)$/;

/** The folder in an agent's state directory where `wasmhost import` records a desired state (and the agent follows by default). */
export const IMPORTED_DIR = 'imported';

/**
 * Reads a desired-state folder's `.yaml`/`.yml`/`.json` files into desired deployments (see
 * resolveDesired). The manifest parser (and with it `yaml`, about 8 MiB of RSS) is loaded when
 * there is a file to read: an empty folder is an empty desired state.
 */
export async function readDesiredDir(dir: string): Promise<DesiredDeployment[]> {
  const files = (await readdir(dir)).filter((f) => MANIFEST_FILE.test(f) && !f.startsWith('.')).sort();
  if (files.length === 0) return [];
  const sources = await Promise.all(files.map(async (f) => ({ source: join(dir, f), text: await readFile(join(dir, f), 'utf8') })));
  const { resolveDesired } = await import('../src/deploy/desired-documents.js');
  return resolveDesired(sources, dir);
}

/** Callbacks of a watched desired-state folder. */
export interface DesiredDirHandlers {
  onDesired(desired: DesiredDeployment[]): void;
  /** A read that failed; the previous desired state stays in force. */
  onError(message: string): void;
}

/** Reads the folder now and again after every change (debounced), until closed. */
export function watchDesiredDir(dir: string, handlers: DesiredDirHandlers, debounceMs = 200): { close(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last: string | undefined;
  const read = () =>
    readDesiredDir(dir).then(
      (desired) => {
        const key = JSON.stringify(desired);
        if (key === last) return;
        last = key;
        handlers.onDesired(desired);
      },
      (error: Error) => handlers.onError(error.message),
    );
  void read();
  const watcher = watch(dir, () => {
    clearTimeout(timer);
    timer = setTimeout(read, debounceMs);
  });
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
