import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeHost } from '../../host-node/node-host.js';
import { createWasiProvider } from '../../host-node/wasi-provider.js';
import type { Host } from '../../src/create-host.js';
import type { Component } from '../../src/component/component.js';
import type { Grants } from '../../src/capabilities/grants.js';
import type { LogEntry } from '../../src/capabilities/provider.js';
import { WasmhostError } from '../../src/errors.js';
import { createMemoryBus } from '../../src/memory/memory-bus.js';
import { createMessagingProvider } from '../../src/capabilities/messaging-provider.js';
import { bindMessageTrigger } from '../../src/runtime/message-trigger.js';
import type { Workload } from '../../src/runtime/workload.js';
import type { BusMessage, MessageBus } from '../../src/ports/message-bus.js';

const RELAY = fileURLToPath(new URL('../../examples/message-relay-js/message-relay.wasm', import.meta.url));
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

const RELAY_GRANTS: Grants = { messaging: { publish: ['alarms/+'], subscribe: ['sensors/+/temperature', 'relay/threshold'] } };

let cacheDir: string;
let host: Host;
let relay: Component;
let logs: LogEntry[];

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'wasmhost-messaging-'));
  host = createNodeHost({ cacheDir, log: (e) => logs.push(e) });
  relay = await host.load(await readFile(RELAY));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** A relay workload on `bus`, bound to its granted topics. */
async function startRelay(bus: MessageBus, options: { name?: string; grants?: Grants; config?: Record<string, string> } = {}) {
  const name = options.name ?? 'relay';
  const grants = options.grants ?? RELAY_GRANTS;
  const workload = await host.instantiate(relay, {
    name,
    grants,
    config: options.config,
    providers: [createWasiProvider(), createMessagingProvider(bus)],
  });
  const trigger = bindMessageTrigger(workload, bus, { grants, log: (e) => logs.push(e) });
  return { workload, trigger };
}

function tap(bus: MessageBus, filter: string): BusMessage[] {
  const seen: BusMessage[] = [];
  bus.subscribe(filter, (m) => seen.push(m));
  return seen;
}

const lines = (workload: string) => logs.filter((e) => e.workload === workload).map((e) => `${e.level} ${e.context}: ${e.message}`);

describe('wasi:messaging with the message-relay component', () => {
  beforeAll(() => {
    logs = [];
  });

  it('turns a temperature above the threshold into an alarm with the exact payload', async () => {
    const bus = createMemoryBus();
    const alarms = tap(bus, 'alarms/#');
    const { trigger } = await startRelay(bus, { name: 'relay-basic' });
    expect(trigger.filters).toEqual(['sensors/+/temperature', 'relay/threshold']);
    bus.publish('sensors/t1/temperature', bytes('29.5'));
    bus.publish('sensors/t1/temperature', bytes('31.25'));
    expect(alarms).toHaveLength(1);
    expect(alarms[0].topic).toBe('alarms/t1');
    expect(text(alarms[0].payload)).toBe('{"sensor":"t1","value":31.25,"threshold":30}');
    expect(alarms[0].contentType).toBe('application/json');
    expect(lines('relay-basic')).toEqual(['info message-relay: t1: 31.25 above 30, alarm on alarms/t1']);
    expect(trigger).toMatchObject({ delivered: 2, failed: 0 });
  });

  it('receives only granted topics', async () => {
    const bus = createMemoryBus();
    const alarms = tap(bus, 'alarms/#');
    await startRelay(bus, { name: 'relay-scope', grants: { messaging: { publish: ['alarms/+'], subscribe: ['sensors/t2/temperature'] } } });
    bus.publish('sensors/t1/temperature', bytes('40'));
    bus.publish('sensors/t2/temperature', bytes('40'));
    expect(alarms.map((m) => m.topic)).toEqual(['alarms/t2']);
  });

  it('gives the component the interface error for an ungranted topic, and publishes nothing', async () => {
    const bus = createMemoryBus();
    const everything = tap(bus, '#');
    const { trigger } = await startRelay(bus, {
      name: 'relay-denied',
      grants: { messaging: { publish: ['alarms/t9'], subscribe: ['sensors/+/temperature'] } },
    });
    bus.publish('sensors/t1/temperature', bytes('45'));
    expect(everything.map((m) => m.topic)).toEqual(['sensors/t1/temperature']);
    expect(lines('relay-denied')).toEqual([
      'warn wasi:messaging: publishing to "alarms/t1" denied: not matched by grants.messaging.publish',
      // The component saw err(permission-denied(...)), logged it and returned the error from handle.
      'error message-relay: cannot publish alarm on alarms/t1: permission-denied: publishing to "alarms/t1" is not granted to this workload',
      'warn message-trigger: handle(sensors/t1/temperature) returned an error: permission-denied: publishing to "alarms/t1" is not granted to this workload',
    ]);
    expect(trigger).toMatchObject({ delivered: 1, failed: 1 });
  });

  it('refuses the component without the messaging grant, naming the interfaces', async () => {
    const bus = createMemoryBus();
    const error = await host
      .instantiate(relay, { name: 'relay-ungranted', grants: {}, providers: [createWasiProvider(), createMessagingProvider(bus)] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WasmhostError);
    expect((error as WasmhostError).code).toBe('denied');
    // Imports needing the same grant share one line.
    expect((error as WasmhostError).message).toMatch(/wasi:messaging\/producer@0\.2\.0-draft[^\n]*: not granted \(the deployment needs a 'messaging' grant\)/);
    expect((error as WasmhostError).message).toContain('wasi:messaging/types@0.2.0-draft');
  });

  it('keeps delivering after a handler error', async () => {
    const bus = createMemoryBus();
    const alarms = tap(bus, 'alarms/#');
    const { workload, trigger } = await startRelay(bus, { name: 'relay-errors' });
    bus.publish('sensors/t3/temperature', bytes('warm'));
    bus.publish('sensors/t3/temperature', bytes('35'));
    expect(alarms.map((m) => text(m.payload))).toEqual(['{"sensor":"t3","value":35,"threshold":30}']);
    expect(lines('relay-errors')[0]).toBe(
      'warn message-trigger: handle(sensors/t3/temperature) returned an error: other: sensors/t3/temperature: payload "warm" is not a number',
    );
    expect(workload.dead).toBe(false);
    expect(trigger).toMatchObject({ delivered: 2, failed: 1 });
  });

  it('stops delivering after close', async () => {
    const bus = createMemoryBus();
    const alarms = tap(bus, 'alarms/#');
    const { trigger } = await startRelay(bus, { name: 'relay-closed' });
    trigger.close();
    bus.publish('sensors/t1/temperature', bytes('99'));
    expect(alarms).toEqual([]);
  });
});

describe('request-reply with the message-relay component', () => {
  beforeAll(() => {
    logs = [];
  });

  it('replies to a request with its configured threshold', async () => {
    const bus = createMemoryBus();
    await startRelay(bus, { name: 'relay-reply', config: { threshold: '25.5' } });
    const replies = bus.requestSync!('relay/threshold', bytes(''));
    expect(replies.map((r) => [text(r.payload), r.contentType])).toEqual([['25.5', 'text/plain']]);
    const asynchronous = await bus.request('relay/threshold', bytes(''), { timeoutMs: 1000 });
    expect(text(asynchronous[0].payload)).toBe('25.5');
  });

  it('adds a label from a synchronous responder to the alarm', async () => {
    const bus = createMemoryBus();
    const alarms = tap(bus, 'alarms/#');
    const requests: BusMessage[] = [];
    bus.subscribe('registry/label', (m) => {
      requests.push(m);
      bus.publish(m.replyTo!, bytes(`Greenhouse ${text(m.payload)}`));
    });
    await startRelay(bus, {
      name: 'relay-label',
      config: { 'label-topic': 'registry/label' },
      grants: { messaging: { publish: ['alarms/+', 'registry/label'], subscribe: ['sensors/+/temperature'] } },
    });
    bus.publish('sensors/t4/temperature', bytes('33'));
    expect(requests.map((m) => [text(m.payload), m.contentType])).toEqual([['t4', 'text/plain']]);
    expect(alarms.map((m) => text(m.payload))).toEqual(['{"sensor":"t4","value":33,"threshold":30,"label":"Greenhouse t4"}']);
  });

  it('gets timeout at once when no responder answers synchronously', async () => {
    const bus = createMemoryBus();
    const alarms = tap(bus, 'alarms/#');
    bus.subscribe('registry/label', (m) => setTimeout(() => bus.publish(m.replyTo!, bytes('too late')), 1));
    await startRelay(bus, {
      name: 'relay-timeout',
      config: { 'label-topic': 'registry/label' },
      grants: { messaging: { publish: ['alarms/+', 'registry/label'], subscribe: ['sensors/+/temperature'] } },
    });
    bus.publish('sensors/t5/temperature', bytes('50'));
    expect(alarms.map((m) => text(m.payload))).toEqual(['{"sensor":"t5","value":50,"threshold":30}']);
    expect(lines('relay-timeout').slice(0, 2)).toEqual([
      'warn wasi:messaging: a request to "registry/label" got no reply: on this host only responders that answer at once (in-process subscribers) can reply',
      'warn message-relay: no label for t5 from registry/label: timeout',
    ]);
  });

  it('a request is answered by another workload on the same bus', async () => {
    const bus = createMemoryBus();
    const alarms = tap(bus, 'alarms/#');
    await startRelay(bus, { name: 'responder', config: { threshold: '21' }, grants: { messaging: { subscribe: ['relay/threshold'] } } });
    await startRelay(bus, {
      name: 'asker',
      config: { 'label-topic': 'relay/threshold' },
      grants: { messaging: { publish: ['alarms/+', 'relay/threshold'], subscribe: ['sensors/+/temperature'] } },
    });
    bus.publish('sensors/t6/temperature', bytes('40'));
    bus.publish('sensors/t7/temperature', bytes('41'));
    expect(alarms.map((m) => text(m.payload))).toEqual([
      '{"sensor":"t6","value":40,"threshold":30,"label":"21"}',
      '{"sensor":"t7","value":41,"threshold":30,"label":"21"}',
    ]);
  });

  it('a request without the publish grant for its topic is denied', async () => {
    const bus = createMemoryBus();
    const requests = tap(bus, 'registry/#');
    const alarms = tap(bus, 'alarms/#');
    await startRelay(bus, { name: 'relay-no-request', config: { 'label-topic': 'registry/label' } });
    bus.publish('sensors/t8/temperature', bytes('50'));
    expect(requests).toEqual([]);
    expect(alarms).toHaveLength(1);
    expect(lines('relay-no-request')).toContain(
      'warn message-relay: no label for t8 from registry/label: permission-denied: a request to "registry/label" is not granted to this workload',
    );
  });
});

describe('message trigger', () => {
  const handlerExport = {
    path: 'wasi:messaging/incoming-handler@0.2.0-draft#handle',
    interface: { name: 'wasi:messaging/incoming-handler@0.2.0-draft', interfaceName: 'incoming-handler', package: { namespace: 'wasi', name: 'messaging', version: '0.2.0-draft' } },
    function: { name: 'handle' },
  };

  /** A stand-in workload whose handle runs `impl`, and dies when impl throws. */
  function fakeWorkload(impl: (topic: string) => unknown): Workload & { calls: string[] } {
    let dead = false;
    const calls: string[] = [];
    return {
      name: 'fake',
      calls,
      get dead() { return dead; },
      exports: () => [handlerExport],
      bind: () => (message: { topic(): string }) => {
        calls.push(message.topic());
        try {
          return impl(message.topic());
        } catch (e) {
          dead = true;
          throw e;
        }
      },
    } as unknown as Workload & { calls: string[] };
  }

  it('unsubscribes once the workload is dead after a trap', () => {
    const bus = createMemoryBus();
    const entries: LogEntry[] = [];
    const workload = fakeWorkload((topic) => {
      if (topic === 'in/trap') throw new WasmhostError('trap', 'handle trapped: unreachable');
      return { tag: 'ok' };
    });
    const trigger = bindMessageTrigger(workload, bus, { grants: { messaging: { subscribe: ['in/#'] } }, log: (e) => entries.push(e) });
    bus.publish('in/a', bytes(''));
    bus.publish('in/trap', bytes(''));
    bus.publish('in/b', bytes(''));
    expect(workload.calls).toEqual(['in/a', 'in/trap']);
    expect(trigger).toMatchObject({ delivered: 2, failed: 1 });
    expect(entries.map((e) => `${e.level} ${e.message}`)).toEqual([
      'error handle(in/trap) failed: handle trapped: unreachable',
      'error fake is dead after a trap; it receives no more messages until it is restarted',
    ]);
  });

  it('refuses a workload without subscribe grants or without the handler export', () => {
    const bus = createMemoryBus();
    const log = () => {};
    const workload = fakeWorkload(() => ({ tag: 'ok' }));
    expect(() => bindMessageTrigger(workload, bus, { grants: { messaging: { publish: ['#'] } }, log })).toThrow(
      expect.objectContaining({ code: 'denied', message: expect.stringContaining('grants.messaging.subscribe') }),
    );
    const none = { ...workload, exports: () => [] } as unknown as Workload;
    expect(() => bindMessageTrigger(none, bus, { grants: { messaging: { subscribe: ['#'] } }, log })).toThrow(
      expect.objectContaining({ code: 'unknown-export' }),
    );
  });
});
