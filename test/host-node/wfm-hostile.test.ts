// The fleet-manager client against a hostile fleet manager on 127.0.0.1: a manifest that
// trickles a byte a second, one that never ends, a gzip bomb. Each poll fails within its
// budget with a clear reason, and the next poll against an honest answer succeeds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeHttpClient } from '../../host-node/https-client.js';
import { createWfmClient } from '../../src/deploy/wfm-client.js';
import { WasmhostError } from '../../src/errors.js';
import { bytesRoute, endlessRoute, gzipBombRoute, slowLorisRoute, startHostileServer, type HostileServer } from '../support/hostile-http-server.js';

const PATH = '/api/v1/deployments';
let server: HostileServer;
beforeAll(async () => {
  server = await startHostileServer();
});
afterAll(() => server.close());

async function failure(promise: Promise<unknown>): Promise<WasmhostError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WasmhostError);
  return error as WasmhostError;
}

describe('polling a hostile fleet manager', () => {
  it('fails each attack with its reason, then accepts an honest manifest', async () => {
    // The operator's ceiling (2 s here, 30 s by default) bounds the whole exchange.
    const client = createWfmClient({ baseUrl: server.url, http: createNodeHttpClient({ timeoutMs: 2000 }) });
    const rss = process.memoryUsage().rss;

    server.routes.set(PATH, slowLorisRoute());
    const slow = await failure(client.pollDeployments({}));
    expect(slow.data).toMatchObject({ reason: 'timeout', url: `${server.url}${PATH}` });
    expect(slow.message).toBe(`GET ${server.url}${PATH}: no complete response within 2000 ms`);

    server.routes.set(PATH, endlessRoute());
    expect((await failure(client.pollDeployments({}))).message).toBe(`GET ${server.url}${PATH}: response body over 1048576 bytes; refused`);

    server.routes.set(PATH, gzipBombRoute());
    const bomb = await failure(client.pollDeployments({}));
    expect(bomb.data).toMatchObject({ reason: 'too-large' });
    expect(bomb.message).toBe(`GET ${server.url}${PATH}: response body over 1048576 bytes once decoded; refused`);
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 1024 * 1024);

    // Shutdown aborts a poll in progress at once, whatever its deadline.
    server.routes.set(PATH, slowLorisRoute());
    const patient = createWfmClient({ baseUrl: server.url, http: createNodeHttpClient({ timeoutMs: 600_000 }) });
    const pending = failure(patient.pollDeployments({}));
    await new Promise((r) => setTimeout(r, 200));
    patient.abort!();
    expect((await pending).data).toMatchObject({ reason: 'aborted' });

    server.routes.set(PATH, bytesRoute(new TextEncoder().encode('{"manifestVersion": 7, "bundle": null, "deployments": []}')));
    expect(await client.pollDeployments({})).toMatchObject({ changed: true, manifestVersion: 7n, deployments: [] });
  });
});
