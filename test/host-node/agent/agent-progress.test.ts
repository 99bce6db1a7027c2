// A slow download shows its progress while it runs: `wasmhost agent` prints progress lines and
// its console's snapshot carries the step, before the install completes. The package server
// sends half the component, then holds the rest until the test has seen them (and, with
// Chromium, the console's card showing the step).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConsoleSnapshot } from '../../../src/device/console-snapshot.js';
import { haveChromium, launchChromium } from '../../support/chromium.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { deploymentYaml } from './fleet-fixtures.js';

const PANEL = readFileSync('examples/greenhouse-panel-js/greenhouse-panel.wasm');

/** Serves PANEL in small chunks: the first half at once, the rest once `finish()` is called. */
async function slowPackageServer(): Promise<{ server: Server; url: string; finish(): void }> {
  let finish = () => {};
  const rest = new Promise<void>((resolve) => (finish = resolve));
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/wasm', 'content-length': PANEL.length });
    const half = Math.floor(PANEL.length / 2);
    for (let at = 0; at < half; at += 64 * 1024) res.write(PANEL.subarray(at, Math.min(at + 64 * 1024, half)));
    void rest.then(() => res.end(PANEL.subarray(half)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pkg/greenhouse-panel.wasm`, finish: () => finish() };
}

describe('progress of a slow download', () => {
  let agent: AgentProcess | undefined;
  let server: Server | undefined;

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    server?.closeAllConnections();
    server?.close();
  });

  it('is printed by the agent and shown in its console snapshot before the install completes', async () => {
    const slow = await slowPackageServer();
    server = slow.server;
    const root = await mkdtemp(join(tmpdir(), 'wasmhost-progress-'));
    const desired = join(root, 'desired');
    await mkdir(desired);
    await writeFile(join(desired, 'slow.yaml'), deploymentYaml({
      id: 'slow', version: '1.0.0', packageLocation: slow.url,
      digest: `sha256:${createHash('sha256').update(PANEL).digest('hex')}`,
      properties: "          grants: { sensors: ['*'], display: [greenhouse] }\n",
    }));
    agent = startAgent(['--desired', desired, '--console-port', '0', '--broker-port', '0'], join(root, 'state'));
    await agent.untilOutput(/console http:\/\/127\.0\.0\.1:\d+\//, 60_000);
    const consoleUrl = /console (http:\/\/127\.0\.0\.1:\d+\/)/.exec(agent.output())![1]!;

    const line = /\[agent\] slow\/adder fetching greenhouse-panel\.wasm: [\d.]+( KiB)? of 1\.5 MiB/;
    await agent.untilOutput(line, 30_000);
    let snapshot: ConsoleSnapshot;
    for (;;) {
      snapshot = (await (await fetch(`${consoleUrl}api/snapshot`)).json()) as ConsoleSnapshot;
      if (snapshot.progress.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(snapshot.progress).toEqual([{ deploymentId: 'slow', component: 'adder', text: expect.stringMatching(/^fetching greenhouse-panel\.wasm: [\d.]+( KiB)? of 1\.5 MiB$/) }]);
    expect(snapshot.deployments.find((d) => d.deploymentId === 'slow')?.status.state).toBe('installing');
    expect(agent.output()).not.toContain('slow installed');
    if (haveChromium) {
      // The console's card shows the step under way.
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(consoleUrl);
        const line = await page.waitForSelector('[data-deployment="slow"] .progress-line:visible', { timeout: 10_000 });
        expect(await line.textContent()).toMatch(/^adder: fetching greenhouse-panel\.wasm: [\d.]+( KiB)? of 1\.5 MiB$/);
      } finally {
        await browser.close();
      }
    }

    slow.finish();
    await agent.untilOutput('slow installed', 60_000);
    expect(agent.output()).toMatch(/\[agent\] slow\/adder fetched greenhouse-panel\.wasm \(1\.5 MiB\) in [\d.]+ s/);
    const after = (await (await fetch(`${consoleUrl}api/snapshot`)).json()) as ConsoleSnapshot;
    expect(after.progress).toEqual([]);
  }, 120_000);
});
