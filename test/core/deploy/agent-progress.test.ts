// Long install steps are reported (throttled, nothing for fast ones) and kept for the console;
// an installed deployment can be restarted on request.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../src/create-host.js';
import { createMemoryArtifactCache } from '../../../src/memory/memory-artifact-cache.js';
import { createManualClock, createMemoryComponentStore, createMemoryStateStore } from '../../../src/memory/memory-agent-ports.js';
import { createAgent } from '../../../src/deploy/agent.js';
import { sha256Digest } from '../../../src/component/digest.js';
import { trackStep, type StepProgress } from '../../../src/deploy/progress.js';
import type { PackageFetcher } from '../../../src/ports/agent-ports.js';
import type { DeploymentStatus, DesiredDeployment } from '../../../src/deploy/types.js';
import { watComponentPath } from '../../support/wat-components.js';
import { transpileWithJco, type Transpiler } from '../../../src/component/transpile.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('trackStep', () => {
  const what = { deploymentId: 'd', component: 'c', step: 'fetch' as const };

  it('says nothing about a step that ends within 300 ms', () => {
    const clock = createManualClock();
    const said: StepProgress[] = [];
    const step = trackStep(clock, (p) => said.push(p), what, 'fetching x');
    clock.advance(200);
    step.update('fetching x: 1 of 2');
    clock.advance(99);
    step.end(() => 'fetched x');
    clock.advance(5000);
    expect(said).toEqual([]);
  });

  it('says a slow step after 300 ms, then at most once a second, then its end with the time', () => {
    const clock = createManualClock();
    const said: string[] = [];
    const step = trackStep(clock, (p) => said.push(`${clock.now()} ${p.text}${p.done ? ' (done)' : ''}`), what, 'fetching x');
    clock.advance(300);
    for (let i = 1; i <= 10; i++) {
      step.update(`fetching x: ${i}`);
      clock.advance(250);
    }
    step.end((ms) => `fetched x in ${ms} ms`);
    expect(said).toEqual(['300 fetching x', '1500 fetching x: 5', '2700 fetching x: 10', '2800 fetched x in 2800 ms (done)']);
  });
});

describe('the agent', () => {
  async function setup(transpile?: Transpiler) {
    const bytes = await readFile(await watComponentPath('scalars'));
    let release = () => {};
    let report: ((received: number, total?: number) => void) | undefined;
    let fetchStarted = () => {};
    const fetching = new Promise<void>((resolve) => (fetchStarted = resolve));
    const fetcher: PackageFetcher = {
      fetch: (_location, _base, init) => new Promise((resolve) => {
        fetchStarted();
        report = init?.onProgress;
        release = () => resolve(bytes);
      }),
    };
    const clock = createManualClock();
    const statuses: DeploymentStatus[] = [];
    const said: StepProgress[] = [];
    const host = createHost({ artifactCache: createMemoryArtifactCache(), log: () => {}, transpile });
    const agent = createAgent({
      host, deviceId: 'dev', fetcher, components: createMemoryComponentStore(), state: createMemoryStateStore(), clock, log: () => {},
      onStatus: (s) => statuses.push(s), onProgress: (p) => said.push(p),
    });
    const d: DesiredDeployment = {
      id: 'calc', name: 'calc', applicationId: 'app', version: '1',
      components: [{
        name: 'main', packageLocation: 'https://example.test/pkg/scalars.wasm?v=1', digest: await sha256Digest(bytes), grants: {}, config: {},
        triggers: [{ kind: 'interval', everyMs: 1000, export: 'add', args: ['2', '3'], output: 'out/sum' }],
        limits: { callTimeoutMs: 1000, memoryBytes: 64 << 20, isolation: 'in-process' },
      }],
    };
    // The agent loads its deployment runner with its first deployment: the download begins when it has.
    return { agent, host, clock, statuses, said, d, fetching, release: () => release(), report: (n: number, t?: number) => report!(n, t) };
  }

  it('shows a slow download as it goes, and its end', async () => {
    const { agent, clock, said, d, fetching, release, report } = await setup();
    const applied = agent.apply([d]);
    await fetching;
    report(3.1 * 2 ** 20, 12 * 2 ** 20);
    expect(agent.progress()).toEqual([]); // not yet: a fast download is never shown
    clock.advance(300);
    expect(agent.progress()).toEqual([{ deploymentId: 'calc', component: 'main', step: 'fetch', text: 'fetching scalars.wasm: 3.1 of 12 MiB', done: false }]);
    clock.advance(1700);
    release();
    await applied;
    expect(agent.progress()).toEqual([]);
    expect(said).toHaveLength(2);
    expect(said[0]).toMatchObject({ done: false, text: 'fetching scalars.wasm: 3.1 of 12 MiB' });
    expect(said.at(-1)).toMatchObject({ done: true, text: expect.stringMatching(/^fetched scalars\.wasm \(\d+ (B|KiB)\) in 2\.0 s$/) });
  });

  it('shows a slow transpile, then its end with the time', async () => {
    let go = () => {};
    let entered = () => {};
    const gate = new Promise<void>((resolve) => (go = resolve));
    const transpiling = new Promise<void>((resolve) => (entered = resolve));
    const { agent, clock, said, d, fetching, release } = await setup(async (b, digest) => {
      entered();
      await gate;
      return transpileWithJco(b, digest);
    });
    const applied = agent.apply([d]);
    await fetching;
    release();
    await transpiling;
    clock.advance(300);
    expect(agent.progress()).toEqual([{ deploymentId: 'calc', component: 'main', step: 'transpile', text: expect.stringMatching(/^transpiling sha256:[0-9a-f]{12}… \(\d+ (B|KiB)\)…$/), done: false }]);
    clock.advance(1000);
    go();
    await applied;
    expect(said.at(-1)).toMatchObject({ step: 'transpile', done: true, text: expect.stringMatching(/^transpiled main in \d+\.\d s$/) });
    expect(agent.progress()).toEqual([]);
    expect(said.some((p) => p.step === 'fetch')).toBe(false); // the download was fast: never shown
  });

  it('restarts an installed deployment from its spec, and refuses one that is not installed', async () => {
    const { agent, host, clock, statuses, d, fetching, release } = await setup();
    const outputs: string[] = [];
    host.bus.subscribe('out/#', (m) => outputs.push(new TextDecoder().decode(m.payload)));
    const applied = agent.apply([d]);
    await fetching;
    release();
    await applied;
    await agent.restart('calc');
    expect(statuses.map((s) => s.status.state)).toEqual(['pending', 'installing', 'installed', 'installing', 'installed']);
    expect(agent.workloads()).toMatchObject([{ deployment: 'calc', restarts: 0, dead: false }]);
    clock.advance(1000);
    await settle();
    expect(outputs).toEqual(['5']); // one instance, one timer: the old one stopped
    await expect(agent.restart('other')).rejects.toThrow(/cannot restart other: it is not installed/);
  });
});
