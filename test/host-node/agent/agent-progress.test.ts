// A slow download shows its progress while it runs: `wasmhost agent` prints progress lines and
// its console's snapshot carries the step, before the install completes. The package server
// sends half the component, then holds the rest until the test has seen them (and, with
// Chromium, the console's card showing the step).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConsoleSnapshot } from '../../../src/device/console-snapshot.js';
import { haveChromium, launchChromium } from '../../support/chromium.js';
import { startSlowPackageServer } from '../../support/slow-package-server.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { deploymentYaml } from './fleet-fixtures.js';

const PANEL = readFileSync('examples/greenhouse-panel-js/greenhouse-panel.wasm');

describe('progress of a slow download', () => {
  let agent: AgentProcess | undefined;
  let slow: Awaited<ReturnType<typeof startSlowPackageServer>> | undefined;

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    slow?.close();
  });

  it('is printed by the agent and shown in its console snapshot before the install completes', async () => {
    slow = await startSlowPackageServer(PANEL, 'greenhouse-panel.wasm');
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
