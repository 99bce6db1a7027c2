// What `wasmhost import` reads from removable media: a bundle (.tar.gz or .tar) or a folder,
// each holding Margo manifests at its top level and the component files they name by
// relative path. Read within budgets; the bundle is hostile until checked (see readTar).
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { ManifestSource } from '../src/deploy/desired-documents.js';
import { DEPLOYMENT_MAX_BYTES, PACKAGE_MAX_BYTES } from '../src/deploy/fetch-budgets.js';
import { readTar, type TarBudgets, type TarEntry } from '../src/deploy/tar.js';
import { WasmhostError } from '../src/errors.js';
import { MANIFEST_FILE } from './desired-dir.js';
import { createPackageFetcher } from './package-fetcher.js';

/** Budgets of a bundle: the decompressed archive, its entries, one manifest, one component. */
export interface ImportBudgets extends TarBudgets {
  maxManifestBytes: number;
  maxComponentBytes: number;
}

/** Defaults: a bundle of several components, each within the online download cap. */
export const IMPORT_BUDGETS: ImportBudgets = {
  maxTotalBytes: 512 * 1024 * 1024,
  maxEntries: 1000,
  maxManifestBytes: DEPLOYMENT_MAX_BYTES,
  maxComponentBytes: PACKAGE_MAX_BYTES,
};

/** Manifests to resolve and a way to read the component files they name. */
export interface ImportSource {
  manifests: ManifestSource[];
  readComponent(location: string): Promise<Uint8Array>;
}

/** Opens a bundle file or a folder for import. */
export async function openImportSource(path: string, budgets: ImportBudgets = IMPORT_BUDGETS): Promise<ImportSource> {
  const info = await stat(path).catch((error: Error) => {
    throw new WasmhostError('io', `cannot import ${path}: ${error.message}`);
  });
  if (info.isDirectory()) return openFolder(path, budgets);
  if (!info.isFile()) throw new WasmhostError('bad-input', `cannot import ${path}: expected a .tar.gz bundle or a folder`);
  if (info.size > budgets.maxTotalBytes) throw new WasmhostError('bad-input', `cannot import ${path}: it is ${info.size} bytes, over the ${budgets.maxTotalBytes}-byte limit of a bundle`);
  return openBundle(path, await readFile(path), budgets);
}

async function openBundle(path: string, bytes: Uint8Array, budgets: ImportBudgets): Promise<ImportSource> {
  let tar = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    tar = await promisify(gunzip)(bytes, { maxOutputLength: budgets.maxTotalBytes }).catch((error: NodeJS.ErrnoException) => {
      const why = error.code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError ? `it decompresses to more than the ${budgets.maxTotalBytes}-byte limit` : `it is not valid gzip (${error.message})`;
      throw new WasmhostError('bad-input', `cannot import ${path}: ${why}`);
    });
  }
  const entries = readTar(tar, { ...budgets, maxEntryBytes: Math.max(budgets.maxManifestBytes, budgets.maxComponentBytes) });
  const files = new Map(entries.filter((e) => e.type === 'file').map((e) => [e.name, e]));
  const root = bundleRoot(entries);
  const inRoot = (name: string) => (root ? `${root}/${name}` : name);
  const manifests = [...files.values()]
    .filter((e) => e.name === inRoot(basename(e.name)) && MANIFEST_FILE.test(e.name) && !basename(e.name).startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((e) => ({ source: `${basename(path)}:${e.name}`, text: manifestText(e, budgets, path) }));
  return {
    manifests,
    async readComponent(location) {
      const name = inRoot(location.split('/').filter((s) => s !== '' && s !== '.').join('/'));
      const entry = files.get(name);
      if (!entry) throw new WasmhostError('io', `no such file in the bundle ${path}`);
      return entry.data; // within maxComponentBytes: readTar's entry budget
    },
  };
}

/** `tar czf b.tgz folder/` puts everything under one folder: then that folder is the desired-state folder. */
function bundleRoot(entries: TarEntry[]): string {
  const tops = new Set(entries.map((e) => e.name.split('/')[0]));
  const manifestAtTop = entries.some((e) => e.type === 'file' && !e.name.includes('/') && MANIFEST_FILE.test(e.name));
  const [top] = tops;
  return !manifestAtTop && tops.size === 1 && entries.some((e) => e.name.startsWith(`${top}/`)) ? top : '';
}

function manifestText(entry: TarEntry, budgets: ImportBudgets, path: string): string {
  if (entry.data.length > budgets.maxManifestBytes) {
    throw new WasmhostError('bad-input', `cannot import ${path}: manifest ${entry.name} is ${entry.data.length} bytes, over the ${budgets.maxManifestBytes}-byte limit`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(entry.data);
  } catch {
    throw new WasmhostError('bad-input', `cannot import ${path}: manifest ${entry.name} is not UTF-8 text`);
  }
}

async function openFolder(dir: string, budgets: ImportBudgets): Promise<ImportSource> {
  const names = (await readdir(dir)).filter((f) => MANIFEST_FILE.test(f) && !f.startsWith('.')).sort();
  const manifests: ManifestSource[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const info = await stat(file);
    if (!info.isFile()) continue;
    if (info.size > budgets.maxManifestBytes) throw new WasmhostError('bad-input', `cannot import ${dir}: manifest ${name} is ${info.size} bytes, over the ${budgets.maxManifestBytes}-byte limit`);
    manifests.push({ source: file, text: await readFile(file, 'utf8') });
  }
  // The fetcher reads only regular files inside the folder (symlinks resolved), within the size cap.
  const fetcher = createPackageFetcher({ maxBytes: budgets.maxComponentBytes });
  return { manifests, readComponent: (location) => fetcher.fetch(location, dir) };
}
