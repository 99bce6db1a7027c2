import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { PACKAGE_MAX_BYTES, PACKAGE_TIMEOUT_MS } from '../src/deploy/fetch-budgets.js';
import { isRemoteBase, packageLocationProblem } from '../src/deploy/package-location.js';
import { WasmhostError } from '../src/errors.js';
import type { ComponentStore, PackageFetcher } from '../src/ports/agent-ports.js';
import type { RegistryCredentials } from '../src/component/oci/oci-auth.js';
import { isOciLocation } from '../src/component/oci/oci-reference.js';
import type { HttpClient } from '../src/ports/http-client.js';

/** Budgets and transport of the package fetcher. */
export interface PackageFetcherOptions {
  /** Carries TLS settings for package URLs (default: a Node client with the system CAs); its own ceilings apply too. */
  http?: HttpClient;
  /** Total deadline of one download (default 5 min). */
  timeoutMs?: number;
  /** Largest package accepted, file or download (default 64 MiB). */
  maxBytes?: number;
  /** How `oci://` packages are pulled: the operator's credentials, insecure registries, the blob store. */
  oci?: OciFetchOptions;
}

/** The operator's registry settings (never a manifest's). */
export interface OciFetchOptions {
  credentials?: (registry: string) => RegistryCredentials | undefined;
  /** Registries (`host:port`) reached over plain http although not on loopback. */
  insecure?: readonly string[];
  /** Blobs by digest (the agent's component store): a hit skips the download. */
  blobs?: ComponentStore;
}

/**
 * Packages from URLs or from the local desired-state folder `base`. A URL (`http(s)://…`, or
 * any location when `base` is a URL) is downloaded within the budgets; a path is read only
 * when `base` is a folder, only if it is relative, stays inside the folder after symlinks are
 * resolved, and is a regular file within the size cap. Errors name the location, never the
 * content, and say the same whether a path is missing, a directory or outside the folder.
 */
export function createPackageFetcher(options: PackageFetcherOptions = {}): PackageFetcher {
  const timeoutMs = options.timeoutMs ?? PACKAGE_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? PACKAGE_MAX_BYTES;
  // The https client (node:https, TLS) and the OCI puller load with the first remote package:
  // an agent that only reads its local folder never loads them.
  let client: Promise<HttpClient> | undefined;
  const httpClient = () => (client ??= options.http
    ? Promise.resolve(options.http)
    : import('./https-client.js').then((m) => m.createNodeHttpClient({ timeoutMs, maxBodyBytes: maxBytes })));
  return {
    async fetch(location, base, init) {
      if (isOciLocation(location)) {
        const [{ pullComponent }, http] = await Promise.all([import('../src/component/oci/oci-pull.js'), httpClient()]);
        const pulled = await pullComponent(location, { ...options.oci, http, timeoutMs, maxBytes, signal: init?.signal, onProgress: init?.onProgress });
        return pulled.bytes;
      }
      if (/^https?:\/\//i.test(location) || isRemoteBase(base)) {
        let url: string;
        try {
          url = new URL(location, isRemoteBase(base) ? base : undefined).href;
        } catch (error) {
          throw new WasmhostError('io', `cannot fetch package ${JSON.stringify(location)}: not a URL`, { cause: error });
        }
        if (!/^https?:/.test(url)) throw new WasmhostError('io', `cannot fetch package ${url}: only http(s) URLs are fetched`);
        const http = await httpClient();
        const res = await http.request('GET', url, { timeoutMs, maxBytes, signal: init?.signal, onProgress: init?.onProgress }).catch((error: WasmhostError) => {
          throw new WasmhostError('io', `cannot fetch package ${error.message.replace(/^GET /, '')}`, { cause: error, data: error.data });
        });
        if (res.status < 200 || res.status > 299) throw new WasmhostError('io', `cannot fetch package ${url}: HTTP ${res.status}`, { data: { url, status: res.status } });
        return res.body;
      }
      if (base === undefined) throw new WasmhostError('bad-input', `package ${JSON.stringify(location)} is a path, but there is no desired-state folder to read it from`);
      return readInsideFolder(base, location, maxBytes);
    },
  };
}

/** A regular file at `location` inside `folder` (symlinks resolved), at most `maxBytes`. */
async function readInsideFolder(folder: string, location: string, maxBytes: number): Promise<Uint8Array> {
  const refused = () => new WasmhostError('io',
    `cannot read package ${JSON.stringify(location)}: no regular file at that path inside the desired-state folder ${folder} (a path must be relative, without "..", and must not lead outside the folder through a symlink)`);
  if (isAbsolute(location) || packageLocationProblem(location, folder, false)) throw refused();
  let file: string;
  try {
    const root = await realpath(folder);
    file = await realpath(resolve(root, location));
    if (!file.startsWith(root + sep)) throw refused();
  } catch {
    throw refused();
  }
  // O_NONBLOCK: a FIFO planted in the folder must not block the agent on open.
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => { throw refused(); });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw refused();
    if (info.size > maxBytes) throw new WasmhostError('io', `package ${JSON.stringify(location)} is ${info.size} bytes, over the ${maxBytes}-byte limit`);
    const bytes = new Uint8Array(info.size);
    const { bytesRead } = await handle.read(bytes, 0, info.size, 0);
    return bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
