// followFleetManager: a poll ends when its manifest is handed to the agent (installs do not
// hold polling), and a refusal repeated on every poll is logged once until it changes.
import { describe, expect, it } from 'vitest';
import { followFleetManager } from '../../../src/deploy/wfm-source.js';
import { WasmhostError } from '../../../src/errors.js';
import { createManualClock } from '../../../src/memory/memory-agent-ports.js';
import type { Agent } from '../../../src/deploy/agent.js';
import type { PollResult, WfmClient } from '../../../src/deploy/wfm-client.js';
import type { LogEntry } from '../../../src/capabilities/provider.js';

function fixture(answers: (() => Promise<PollResult>)[]) {
  const logs: string[] = [];
  const applied: string[] = [];
  let source = {};
  const client: WfmClient = {
    pollDeployments: () => answers.shift()!(),
    reportStatus: async () => undefined,
    putCapabilities: async () => undefined,
    deleteCapabilities: async () => undefined,
  };
  const agent = {
    source: () => source,
    // An install that never finishes: the poll must not wait for it.
    apply: (desired: unknown[], s: object) => {
      applied.push(JSON.stringify(desired));
      source = s;
      return new Promise<void>(() => undefined);
    },
  } as unknown as Agent;
  const fleet = followFleetManager({
    client, agent, deviceId: 'd', baseUrl: 'https://wfm.example', capabilities: {}, pollMs: 1000, clock: createManualClock(),
    log: (e: LogEntry) => logs.push(`${e.level} ${e.message}`),
  });
  return { fleet, logs, applied };
}

const refused = (message: string) => () => Promise.reject(new WasmhostError('bad-input', message));

describe('followFleetManager', () => {
  it('finishes a poll while the install it started still runs, and polls again', async () => {
    const { fleet, applied } = fixture([
      async () => ({ changed: true, manifestVersion: 1n, etag: '"a"', deployments: [], fetched: { bundle: 0, single: 0, cached: 0 } }),
      async () => ({ changed: true, manifestVersion: 2n, etag: '"b"', deployments: [], fetched: { bundle: 0, single: 0, cached: 0 } }),
    ]);
    await fleet.poll();
    await fleet.poll();
    expect(applied).toHaveLength(2);
    fleet.close();
  });

  it('logs the same refusal once, and again once it changed or after a good poll', async () => {
    const { fleet, logs } = fixture([refused('stale'), refused('stale'), refused('stale'), refused('other'), async () => ({ changed: false }), refused('other')]);
    for (let i = 0; i < 6; i++) await fleet.poll();
    expect(logs.filter((l) => l.startsWith('warn') && !l.includes('capabilities'))).toEqual([
      'warn stale (keeping the previous desired state)',
      'warn other (keeping the previous desired state)',
      'warn other (keeping the previous desired state)',
    ]);
    fleet.close();
  });
});
