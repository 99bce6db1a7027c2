// The agent refuses what this engine cannot run before transpiling, with the reason in the
// deployment's status (issue 10: check said yes, then the install failed at transpile).
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../src/create-host.js';
import { createMemoryArtifactCache } from '../../../src/memory/memory-artifact-cache.js';
import { createManualClock, createMemoryComponentStore, createMemoryFetcher, createMemoryStateStore } from '../../../src/memory/memory-agent-ports.js';
import { createAgent } from '../../../src/deploy/agent.js';
import { sha256Digest } from '../../../src/component/digest.js';
import type { EngineFeatures } from '../../../src/component/engine-support.js';
import type { DeploymentStatus } from '../../../src/deploy/types.js';
import { buildCliFixture } from '../../support/cli-fixtures.js';

/** An engine without wasm-gc, as Node 20's V8 is, whatever runs the test. */
const noGc: EngineFeatures = { name: 'an engine without wasm-gc', compileError: (m) => (WebAssembly.validate(m as Uint8Array<ArrayBuffer>) ? undefined : 'invalid type'), jspi: false };

describe('the agent and what its engine cannot run', () => {
  it.each([
    ['gc', 'uses wasm-gc'],
    ['async-export.component', 'needs JS Promise Integration'],
  ])('%s: the deployment fails with the reason, before anything is transpiled', async (fixture, reason) => {
    const bytes = await buildCliFixture(fixture);
    const cache = createMemoryArtifactCache();
    const host = createHost({ artifactCache: cache, log: () => {}, engineFeatures: noGc });
    const statuses: DeploymentStatus[] = [];
    const agent = createAgent({
      host, deviceId: 'dev-1', fetcher: createMemoryFetcher({ 'c.wasm': bytes }), components: createMemoryComponentStore(),
      state: createMemoryStateStore(), clock: createManualClock(), log: () => {}, onStatus: (s) => statuses.push(s),
    });
    await agent.apply([{ id: 'd', name: 'd', applicationId: 'app', version: '1', components: [{
      name: 'main', packageLocation: 'c.wasm', digest: await sha256Digest(bytes), grants: {}, config: {}, triggers: [],
      limits: { callTimeoutMs: 1000, memoryBytes: 64 << 20, isolation: 'in-process' },
    }] }]);
    const last = statuses.at(-1)!;
    expect(last.status.state).toBe('failed');
    expect(last.status.error?.message).toContain('main cannot run on this device');
    expect(last.status.error?.message).toContain(reason);
    expect(await cache.get(await sha256Digest(bytes))).toBeUndefined();
  });
});
