// A package server that sends the first half of a component at once and holds the rest until
// the test calls `finish()`: a download that stays in progress exactly as long as a test looks.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Serves `bytes` at `url` (any path), half now, the rest on `finish()`; CORS-open for pages. */
export async function startSlowPackageServer(bytes: Uint8Array, name: string): Promise<{ server: Server; url: string; finish(): void; close(): void }> {
  let finish = () => {};
  const rest = new Promise<void>((resolve) => (finish = resolve));
  const server = createServer((req, res) => {
    res.writeHead(200, {
      'content-type': 'application/wasm', 'content-length': bytes.length,
      'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin',
    });
    const half = Math.floor(bytes.length / 2);
    for (let at = 0; at < half; at += 64 * 1024) res.write(bytes.subarray(at, Math.min(at + 64 * 1024, half)));
    void rest.then(() => res.end(bytes.subarray(half)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pkg/${name}`, finish: () => finish(),
    close() {
      finish();
      server.closeAllConnections();
      server.close();
    },
  };
}
