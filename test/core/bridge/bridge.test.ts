// Two hosts' bridges on one broker (a Linux host and a browser page, say) talking to the same
// peer: the peer answers on its one reply topic, which both hear, so each bridge must take only
// the replies to its own requests. An in-memory broker: no network, no timers.
import { describe, expect, it, vi } from 'vitest';
import { createBridge, type BridgeOptions } from '../../../src/bridge/bridge.js';
import { decodeRpcRequest, encodeBirth, encodeRpcReply } from '../../../src/bridge/codec.js';
import { peerTopics, type RpcRequestFrame } from '../../../src/bridge/frames.js';
import { topicMatches } from '../../../src/capabilities/grants.js';
import type { MqttMessage, MqttTransport } from '../../../src/ports/mqtt-transport.js';

const T = peerTopics('wasmhost/v1', 'peer-7');
const BIRTH = encodeBirth({ id: 'peer-7', class: 'embedded-peer', seq: 1, ifaces: [], sensors: [{ name: 'temperature', unit: 'Cel', kind: 'temperature' }], actuators: [] });

/** A broker in memory: every client gets each publish its filters match, at once. */
function memoryBroker() {
  const clients = new Set<{ filters: Set<string>; handlers: Set<(m: MqttMessage) => void> }>();
  const requests: { from: string; frame: RpcRequestFrame }[] = [];
  const deliver = (topic: string, payload: Uint8Array) => {
    for (const c of clients) {
      if ([...c.filters].some((f) => topicMatches(f, topic))) c.handlers.forEach((h) => h({ topic, payload, qos: 1, retain: false }));
    }
  };
  function client(name: string): MqttTransport {
    const me = { filters: new Set<string>(), handlers: new Set<(m: MqttMessage) => void>() };
    clients.add(me);
    return {
      protocolVersion: 4,
      connected: true,
      connect: async () => undefined,
      async publish(topic, payload) {
        const decoded = decodeRpcRequest(payload);
        if (topic === T.rpc && decoded.ok) requests.push({ from: name, frame: decoded.frame });
        deliver(topic, payload);
      },
      async subscribe(filters) {
        for (const f of typeof filters === 'string' ? [filters] : filters) me.filters.add(f);
      },
      async unsubscribe(filters) {
        for (const f of typeof filters === 'string' ? [filters] : filters) me.filters.delete(f);
      },
      onMessage(handler) {
        me.handlers.add(handler);
        return () => void me.handlers.delete(handler);
      },
      onConnectionChange: () => () => undefined,
      close: async () => undefined,
    };
  }
  return { client, deliver, requests };
}

/** Two bridges on one broker, peer-7 online, each with a read of temperature waiting. */
async function twoHostsAsk(more: Partial<BridgeOptions> = {}) {
  const broker = memoryBroker();
  const logs = { linux: [] as string[], page: [] as string[] };
  const make = (name: 'linux' | 'page') => createBridge({ transport: broker.client(name), log: (l) => logs[name].push(l), rpcTimeoutMs: 1000, ...more });
  const [linux, page] = [await make('linux'), await make('page')];
  broker.deliver(T.birth, BIRTH);
  const answers = { linux: linux.rpc('peer-7', { op: 'read', name: 'temperature' }), page: page.rpc('peer-7', { op: 'read', name: 'temperature' }) };
  await Promise.resolve();
  const id = (from: string) => broker.requests.find((r) => r.from === from)!.frame.id;
  const ids = { linux: id('linux'), page: id('page') };
  // The peer answers the page first (21.5), then the Linux host (19), both on its reply topic.
  broker.deliver(T.reply, encodeRpcReply({ id: ids.page, ok: true, value: 21.5 }));
  broker.deliver(T.reply, encodeRpcReply({ id: ids.linux, ok: true, value: 19 }));
  return { answers, ids, logs, close: () => Promise.all([linux.close(), page.close()]) };
}

describe('bridge rpc ids', () => {
  it('two bridges on one broker asking the same peer each get their own reply and ignore the other one', async () => {
    const { answers, ids, logs, close } = await twoHostsAsk();
    expect(ids.linux).not.toBe(ids.page); // random starts (equal once in 2^32 runs)
    expect(await answers.page).toEqual({ id: ids.page, ok: true, value: 21.5 });
    expect(await answers.linux).toEqual({ id: ids.linux, ok: true, value: 19 });
    // The other requester's reply is not this bridge's business: nothing logged (a page polled by
    // nobody but hearing another device poll peer-7 used to log a line every 2 s).
    expect([...logs.linux, ...logs.page].filter((l) => l.includes('ignored a reply'))).toEqual([]);
    await close();
  });

  it('a reply to a request of this bridge that timed out is logged as late', async () => {
    vi.useFakeTimers();
    try {
      const broker = memoryBroker();
      const logs: string[] = [];
      const bridge = await createBridge({ transport: broker.client('page'), log: (l) => logs.push(l), rpcTimeoutMs: 1000 });
      broker.deliver(T.birth, BIRTH);
      const answer = bridge.rpc('peer-7', { op: 'read', name: 'temperature' }).catch((e: Error) => e);
      await Promise.resolve();
      const id = broker.requests.find((r) => r.from === 'page')!.frame.id;
      await vi.advanceTimersByTimeAsync(1001);
      expect(await answer).toMatchObject({ code: 'timeout' });
      broker.deliver(T.reply, encodeRpcReply({ id, ok: true, value: 20 }));
      broker.deliver(T.reply, encodeRpcReply({ id: id + 1000, ok: true, value: 20 }));
      expect(logs.filter((l) => l.includes('ignored a reply'))).toEqual([`ignored a reply of peer peer-7 with id ${id}: it came after the request timed out`]);
      await bridge.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('with the same first id (what ids counted from 1 did) the Linux host would take the page\'s reply', async () => {
    const { answers, ids, close } = await twoHostsAsk({ firstRpcId: 1 });
    expect(ids).toEqual({ linux: 1, page: 1 });
    expect(await answers.linux).toMatchObject({ value: 21.5 }); // the crossed reply random starts prevent
    await close();
  });
});
