import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryBus } from '../../src/memory/memory-bus.js';
import { WasmhostError } from '../../src/errors.js';
import type { BusMessage, MessageBus } from '../../src/ports/message-bus.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Subscribes and records `topic payload` lines. */
function record(bus: MessageBus, filters: string | string[]) {
  const seen: string[] = [];
  const stop = bus.subscribe(filters, (m) => seen.push(`${m.topic} ${text(m.payload)}`));
  return { seen, stop };
}

function thrown(run: () => unknown): WasmhostError {
  try {
    run();
  } catch (e) {
    return e as WasmhostError;
  }
  throw new Error('did not throw');
}

describe('memory bus: topics and filters', () => {
  it('matches + and # wildcards level by level', () => {
    const bus = createMemoryBus();
    const plus = record(bus, 'sensors/+/temperature');
    const hash = record(bus, 'sensors/#');
    const all = record(bus, '#');
    const exact = record(bus, 'sensors/t1');
    for (const topic of ['sensors/t1/temperature', 'sensors/t1', 'sensors', 'sensors/t1/temperature/raw', 'alarms/t1', 'sensors//temperature']) {
      bus.publish(topic, bytes('x'));
    }
    expect(plus.seen).toEqual(['sensors/t1/temperature x', 'sensors//temperature x']);
    // `sensors/#` also matches the parent level `sensors`, as in MQTT.
    expect(hash.seen).toEqual(['sensors/t1/temperature x', 'sensors/t1 x', 'sensors x', 'sensors/t1/temperature/raw x', 'sensors//temperature x']);
    expect(all.seen).toHaveLength(6);
    expect(exact.seen).toEqual(['sensors/t1 x']);
  });

  it('does not match $ topics with a leading wildcard', () => {
    const bus = createMemoryBus();
    const all = record(bus, '#');
    const plus = record(bus, '+/status');
    const explicit = record(bus, '$sys/#');
    bus.publish('$sys/status', bytes('up'));
    expect(all.seen).toEqual([]);
    expect(plus.seen).toEqual([]);
    expect(explicit.seen).toEqual(['$sys/status up']);
  });

  it('delivers a message once per subscription even when several of its filters match', () => {
    const bus = createMemoryBus();
    const both = record(bus, ['sensors/#', 'sensors/+/temperature']);
    bus.publish('sensors/t1/temperature', bytes('21'));
    expect(both.seen).toEqual(['sensors/t1/temperature 21']);
  });

  it('refuses wildcard topics and malformed filters as bad input', () => {
    const bus = createMemoryBus();
    for (const topic of ['', 'sensors/+', 'sensors/#', 'a\0b']) {
      expect(thrown(() => bus.publish(topic, bytes('x'))).code, JSON.stringify(topic)).toBe('bad-input');
    }
    for (const filter of ['', 'a/#/b', 'a/b#', 'a+/b', 'a/+b', []]) {
      expect(thrown(() => bus.subscribe(filter as string, () => {})).code, JSON.stringify(filter)).toBe('bad-input');
    }
    expect(thrown(() => bus.publish('t', 'text' as unknown as Uint8Array)).message).toContain('Uint8Array');
  });
});

describe('memory bus: delivery', () => {
  it('stops delivering after unsubscribe, and unsubscribing twice is harmless', () => {
    const bus = createMemoryBus();
    const a = record(bus, 't');
    const b = record(bus, 't');
    bus.publish('t', bytes('1'));
    a.stop();
    a.stop();
    bus.publish('t', bytes('2'));
    expect(a.seen).toEqual(['t 1']);
    expect(b.seen).toEqual(['t 1', 't 2']);
  });

  it('skips a subscriber removed by an earlier handler of the same message', () => {
    const bus = createMemoryBus();
    let second: ReturnType<typeof record> | undefined;
    bus.subscribe('t', () => second?.stop());
    second = record(bus, 't');
    bus.publish('t', bytes('1'));
    expect(second.seen).toEqual([]);
  });

  it('delivers in publish order, and queues what handlers publish behind the current message', () => {
    const bus = createMemoryBus();
    const log: string[] = [];
    bus.subscribe('in/#', (m) => {
      log.push(`relay got ${m.topic}`);
      bus.publish(`out/${m.topic.slice(3)}`, m.payload);
      log.push(`relay done ${m.topic}`);
    });
    bus.subscribe('#', (m) => log.push(`tap got ${m.topic}`));
    bus.publish('in/1', bytes('a'));
    bus.publish('in/2', bytes('b'));
    expect(log).toEqual([
      'relay got in/1', 'relay done in/1', 'tap got in/1', 'tap got out/1',
      'relay got in/2', 'relay done in/2', 'tap got in/2', 'tap got out/2',
    ]);
  });

  it('does not re-enter a handler that publishes to its own topic', () => {
    const bus = createMemoryBus();
    let depth = 0;
    let maxDepth = 0;
    const seen: string[] = [];
    bus.subscribe('echo', (m) => {
      depth++;
      maxDepth = Math.max(maxDepth, depth);
      seen.push(text(m.payload));
      if (m.payload.length < 3) bus.publish('echo', bytes(`${text(m.payload)}!`));
      depth--;
    });
    bus.publish('echo', bytes('a'));
    expect(seen).toEqual(['a', 'a!', 'a!!']);
    expect(maxDepth).toBe(1);
  });

  it('reports a throwing handler and still delivers to the others and the next message', () => {
    const errors: [unknown, BusMessage][] = [];
    const bus = createMemoryBus({ onHandlerError: (e, m) => errors.push([e, m]) });
    bus.subscribe('t', (m) => {
      if (text(m.payload) === 'bad') throw new Error('boom');
    });
    const after = record(bus, 't');
    bus.publish('t', bytes('bad'));
    bus.publish('t', bytes('good'));
    expect(after.seen).toEqual(['t bad', 't good']);
    expect(errors.map(([e, m]) => `${(e as Error).message} on ${m.topic}`)).toEqual(['boom on t']);
  });

  it('copies the payload and carries content type and metadata', () => {
    const bus = createMemoryBus();
    const got: BusMessage[] = [];
    bus.subscribe('t', (m) => got.push(m));
    const payload = bytes('abc');
    bus.publish('t', payload, { contentType: 'text/plain', metadata: [['k', 'v']] });
    payload[0] = 0;
    expect(text(got[0].payload)).toBe('abc');
    expect(got[0]).toMatchObject({ topic: 't', contentType: 'text/plain', metadata: [['k', 'v']] });
    expect(got[0].replyTo).toBeUndefined();
    expect(Object.isFrozen(got[0])).toBe(true);
  });
});

describe('memory bus: request-reply', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A responder that answers `upper/#` requests with the payload in capitals. */
  function upperResponder(bus: MessageBus, copies = 1) {
    return bus.subscribe('upper/#', (m) => {
      for (let i = 0; i < copies; i++) bus.publish(m.replyTo!, bytes(text(m.payload).toUpperCase()), { contentType: 'text/plain' });
    });
  }

  it('request resolves with a synchronous responder\'s reply, sent to a fresh $reply address', async () => {
    const bus = createMemoryBus();
    upperResponder(bus);
    const requests: BusMessage[] = [];
    bus.subscribe('upper/#', (m) => requests.push(m));
    const replies = await bus.request('upper/x', bytes('hi'), { timeoutMs: 1000 });
    expect(replies.map((r) => text(r.payload))).toEqual(['HI']);
    expect(replies[0].contentType).toBe('text/plain');
    expect(requests[0].replyTo).toMatch(/^\$reply\//);
    const again = await bus.request('upper/x', bytes('yo'), { timeoutMs: 1000 });
    expect(again[0].topic).not.toBe(replies[0].topic);
  });

  it('request waits for a later reply, up to the timeout', async () => {
    vi.useFakeTimers();
    const bus = createMemoryBus();
    bus.subscribe('slow', (m) => setTimeout(() => bus.publish(m.replyTo!, bytes('late')), 50));
    const pending = bus.request('slow', bytes('?'), { timeoutMs: 100 });
    await vi.advanceTimersByTimeAsync(50);
    expect((await pending).map((r) => text(r.payload))).toEqual(['late']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('request resolves empty at the timeout when nobody answers, and ignores later replies', async () => {
    vi.useFakeTimers();
    const bus = createMemoryBus();
    let replyTo = '';
    bus.subscribe('nobody', (m) => (replyTo = m.replyTo!));
    let result: BusMessage[] | undefined;
    void bus.request('nobody', bytes('?'), { timeoutMs: 100 }).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(99);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toEqual([]);
    bus.publish(replyTo, bytes('too late'));
    expect(result).toEqual([]);
  });

  it('request collects expected replies, or what came before the timeout', async () => {
    vi.useFakeTimers();
    const bus = createMemoryBus();
    upperResponder(bus, 3);
    expect(await bus.request('upper/a', bytes('a'), { timeoutMs: 10, expectedReplies: 2 })).toHaveLength(2);
    const pending = bus.request('upper/a', bytes('a'), { timeoutMs: 10, expectedReplies: 5 });
    await vi.advanceTimersByTimeAsync(10);
    expect((await pending).map((r) => text(r.payload))).toEqual(['A', 'A', 'A']);
  });

  it('request rejects bad arguments as bad input', async () => {
    const bus = createMemoryBus();
    const badInput = expect.objectContaining({ code: 'bad-input' });
    await expect(bus.request('a/+', bytes(''), { timeoutMs: 1 })).rejects.toEqual(badInput);
    await expect(bus.request('a', bytes(''), { timeoutMs: -1 })).rejects.toEqual(badInput);
    await expect(bus.request('a', bytes(''), { timeoutMs: 1, expectedReplies: 0 })).rejects.toEqual(badInput);
  });

  it('requestSync returns synchronous replies, and nothing when no one answers at once', () => {
    vi.useFakeTimers();
    const bus = createMemoryBus();
    upperResponder(bus, 2);
    bus.subscribe('slow', (m) => setTimeout(() => bus.publish(m.replyTo!, bytes('late')), 1));
    expect(bus.requestSync!('upper/x', bytes('hey')).map((r) => text(r.payload))).toEqual(['HEY']);
    expect(bus.requestSync!('upper/x', bytes('hey'), { expectedReplies: 3 })).toHaveLength(2);
    expect(bus.requestSync!('slow', bytes('?'))).toEqual([]);
    expect(bus.requestSync!('no/one', bytes('?'))).toEqual([]);
    vi.runAllTimers(); // the late reply goes to an address nobody listens on any more
  });

  it('requestSync from inside a handler reaches the responder at once, ahead of queued messages', () => {
    const bus = createMemoryBus();
    upperResponder(bus);
    const order: string[] = [];
    bus.subscribe('queued', () => order.push('queued delivered'));
    bus.subscribe('go', () => {
      bus.publish('queued', bytes('1'));
      const replies = bus.requestSync!('upper/q', bytes('ask'));
      order.push(`reply ${replies.map((r) => text(r.payload)).join()}`);
    });
    bus.publish('go', bytes(''));
    expect(order).toEqual(['reply ASK', 'queued delivered']);
  });

  it('requestSync queues what responders publish besides their reply, so they are not re-entered', () => {
    const bus = createMemoryBus();
    const log: string[] = [];
    bus.subscribe('svc', (m) => {
      log.push('svc start');
      if (m.replyTo) {
        bus.publish('svc', bytes('self'));
        bus.publish(m.replyTo, bytes('ok'));
      }
      log.push('svc end');
    });
    const replies = bus.requestSync!('svc', bytes('req'));
    expect(replies.map((r) => text(r.payload))).toEqual(['ok']);
    expect(log).toEqual(['svc start', 'svc end', 'svc start', 'svc end']);
  });
});
