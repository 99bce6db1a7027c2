// Pull time and bytes of a component from a real OCI registry (Debian's docker-registry on
// loopback): uncached (manifest + blob) and cached (blob in the component store: manifest only),
// beside a plain GET of the same blob from the same registry.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeHttpClient } from '../host-node/https-client.js';
import { pullComponent } from '../src/component/oci/oci-pull.js';
import { pushComponent } from '../src/component/oci/oci-push.js';
import type { ComponentStore } from '../src/ports/agent-ports.js';
import { median, row } from './measure.js';

const REGISTRY = '/usr/bin/docker-registry';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Lines of figures; one line saying why when docker-registry is not installed. */
export async function ociPull(componentPath: string, runs = 15): Promise<string[]> {
  if (!existsSync(REGISTRY)) return [`OCI pull: skipped (${REGISTRY} missing; apt-get install -y docker-registry)`];
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-bench-registry-'));
  const port = await freePort();
  await writeFile(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child = spawn(REGISTRY, ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  try {
    while (!(await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok, () => false))) await new Promise((r) => setTimeout(r, 50));
    const http = createNodeHttpClient({ maxBodyBytes: 1 << 27 });
    const bytes = new Uint8Array(await readFile(componentPath));
    const ref = `oci://127.0.0.1:${port}/bench/component:v1`;
    const pushed = await pushComponent(ref, bytes, { http, timeoutMs: 60_000 });
    const options = { http, timeoutMs: 60_000, maxBytes: 1 << 27 };
    const store = (): ComponentStore & { map: Map<string, Uint8Array> } => {
      const map = new Map<string, Uint8Array>();
      return { map, get: async (d) => map.get(d), put: async (d, b) => void map.set(d, b) };
    };
    const warm = store();
    await pullComponent(ref, { ...options, blobs: warm });
    const plain: number[] = [];
    const cold: number[] = [];
    const cached: number[] = [];
    let coldBytes = 0;
    let cachedBytes = 0;
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      await http.request('GET', `http://127.0.0.1:${port}/v2/bench/component/blobs/${pushed.componentDigest}`, { maxBytes: 1 << 27 });
      plain.push(performance.now() - t);
      t = performance.now();
      coldBytes = (await pullComponent(ref, { ...options, blobs: store() })).received;
      cold.push(performance.now() - t);
      t = performance.now();
      const hit = await pullComponent(ref, { ...options, blobs: warm });
      cached.push(performance.now() - t);
      if (!hit.cached) throw new Error('the cached pull downloaded the blob');
      cachedBytes = hit.received;
    }
    const base = { label: 'plain GET of the blob', value: median(plain) };
    return [
      `OCI pull of ${componentPath.split('/').pop()} (${bytes.byteLength} bytes) from docker-registry on loopback, median of ${runs}`,
      row('plain GET of the blob (baseline)', base.value, 'ms'),
      row(`uncached pull, manifest+blob (${coldBytes} B in)`, median(cold), 'ms', base),
      row(`cached pull, manifest only (${cachedBytes} B in)`, median(cached), 'ms', base),
    ];
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? fileURLToPath(new URL('../../examples/sensor-filter-js/sensor-filter.wasm', import.meta.url));
  for (const line of await ociPull(file)) console.log(line);
}
