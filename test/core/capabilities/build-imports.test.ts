import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../src/create-host.js';
import { createMemoryArtifactCache } from '../../../src/memory/memory-artifact-cache.js';
import type { LogEntry } from '../../../src/capabilities/provider.js';
import { watComponentPath } from '../../support/wat-components.js';

async function loggingUser() {
  const logs: LogEntry[] = [];
  const host = createHost({ artifactCache: createMemoryArtifactCache(), log: (e) => logs.push(e) });
  const component = await host.load(await readFile(await watComponentPath('imports-logging')));
  return { host, component, logs };
}

describe('import object from providers', () => {
  it('refuses a component whose import no provider serves, naming it with its version', async () => {
    const { host, component } = await loggingUser();
    await expect(host.instantiate(component)).rejects.toMatchObject({
      code: 'missing-import',
      message: expect.stringContaining('example:missing/thing@2.0.0: not provided by this host'),
    });
  });

  it('refuses an offer at an incompatible version', async () => {
    const { host, component } = await loggingUser();
    const old = { name: 'old-thing', offers: [{ name: 'example:missing/thing', version: '1.0.0' }], create: () => ({}) };
    await expect(host.instantiate(component, { providers: [old] })).rejects.toMatchObject({
      message: expect.stringContaining('example:missing/thing@2.0.0: this host offers version 1.0.0'),
    });
  });

  it('wires a provider and the built-in logging into the instance', async () => {
    const { host, component, logs } = await loggingUser();
    const thing = {
      name: 'thing',
      offers: [{ name: 'example:missing/thing', version: '2.0.3' }],
      create: () => ({ 'example:missing/thing': { frob: (x: number) => x * 10, describe: (x: number) => `x=${x}` } }),
    };
    const workload = await host.instantiate(component, { name: 'user', providers: [thing] });
    expect(workload.call('run', 4)).toBe(41);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs[0].workload).toBe('user');
  });
});
