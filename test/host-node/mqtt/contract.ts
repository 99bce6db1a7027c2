// One suite every broker runs: the MQTT transport and the MQTT message bus against it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMqttTransport, type MqttTransportOptions } from '../../../host-node/mqtt-transport.js';
import { createMqttBus, type MqttBus } from '../../../src/bridge/mqtt-bus.js';
import { HOST_USERNAME } from '../../../src/bridge/acl.js';
import { WasmhostError } from '../../../src/errors.js';
import type { BusMessage } from '../../../src/ports/message-bus.js';
import type { MqttConnectionEvent, MqttMessage, MqttProtocolVersion, MqttTransport } from '../../../src/ports/mqtt-transport.js';

export const HOST_PASSWORD = 'host-secret';
export const PEERS = { p1: 'p1-secret', p2: 'p2-secret' } as const;

/** A broker under test. */
export interface BrokerUnderTest {
  url: string;
  /** Stops the broker and starts it again on the same port, `downMs` later. */
  restart(downMs?: number): Promise<void>;
  /** Lines the broker logged about refusals. */
  log(): string;
  close(): Promise<void>;
}

/** What the broker speaks and keeps. */
export interface BrokerTraits {
  protocolVersion: MqttProtocolVersion;
  /** Queued QoS 1 messages of persistent sessions survive a restart. */
  persistsAcrossRestart: boolean;
  /** Refuses a peer's subscription outside its rpc topic in the SUBACK (instead of filtering deliveries). */
  refusesForeignSubscriptions: boolean;
}

export const bytes = (text: string) => new TextEncoder().encode(text);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Polls until `check` holds, failing after `ms`. */
export async function eventually(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function mqttContract(name: string, traits: BrokerTraits, start: () => Promise<BrokerUnderTest>): void {
  describe(`MQTT over ${name}`, () => {
    let broker: BrokerUnderTest;
    const open: MqttTransport[] = [];
    let count = 0;
    const v5 = traits.protocolVersion === 5;

    /** A connected transport, closed after the test. */
    async function client(extra: Partial<MqttTransportOptions> = {}): Promise<MqttTransport> {
      const t = createMqttTransport({
        url: broker.url, protocolVersion: traits.protocolVersion, username: HOST_USERNAME, password: HOST_PASSWORD,
        clientId: `test-${name}-${++count}`, reconnectMinMs: 50, reconnectMaxMs: 400, connectTimeoutMs: 5000, ...extra,
      });
      open.push(t);
      await t.connect();
      return t;
    }
    const errors: unknown[] = [];
    async function bus(): Promise<MqttBus> {
      return createMqttBus(await client(), { onTransportError: (e) => errors.push(e) });
    }
    function record(t: MqttTransport): MqttMessage[] {
      const seen: MqttMessage[] = [];
      t.onMessage((m) => seen.push(m));
      return seen;
    }

    beforeAll(async () => {
      broker = await start();
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((t) => t.close()));
      expect(errors.splice(0)).toEqual([]);
    });
    afterAll(async () => {
      await broker?.close();
    });

    it('publishes and subscribes through the bus with + and # filters, once per subscription', async () => {
      const sub = await bus();
      const seen: Record<string, string[]> = { plus: [], hash: [], exact: [], overlap: [] };
      const on = (key: string) => (m: BusMessage) => seen[key].push(`${m.topic} ${text(m.payload)}`);
      sub.subscribe('w/sensors/+/temperature', on('plus'));
      sub.subscribe('w/sensors/#', on('hash'));
      sub.subscribe('w/sensors/t1', on('exact'));
      sub.subscribe(['w/sensors/#', 'w/+/t1/temperature'], on('overlap'));
      await sub.flush();
      const pub = await bus();
      const topics = ['w/sensors/t1/temperature', 'w/sensors/t1', 'w/sensors', 'w/sensors/t1/temperature/raw', 'w/alarms/t1', 'w/sensors/t2/temperature'];
      for (const topic of topics) pub.publish(topic, bytes('x'));
      pub.publish('w/end', bytes('end'));
      await pub.flush();
      await eventually(() => seen.hash.length === 5, 'five messages on w/sensors/#');
      expect(seen.plus).toEqual(['w/sensors/t1/temperature x', 'w/sensors/t2/temperature x']);
      expect(seen.hash).toEqual(['w/sensors/t1/temperature x', 'w/sensors/t1 x', 'w/sensors x', 'w/sensors/t1/temperature/raw x', 'w/sensors/t2/temperature x']);
      expect(seen.exact).toEqual(['w/sensors/t1 x']);
      expect(seen.overlap).toEqual(seen.hash);
    });

    it('stops delivering after unsubscribing, and keeps a filter another subscription shares', async () => {
      const b = await bus();
      const first: string[] = [];
      const second: string[] = [];
      const stop = b.subscribe('u/#', (m) => first.push(text(m.payload)));
      b.subscribe('u/#', (m) => second.push(text(m.payload)));
      await b.flush();
      b.publish('u/a', bytes('1'));
      await eventually(() => second.length === 1, 'the first message');
      stop();
      stop();
      b.publish('u/a', bytes('2'));
      await eventually(() => second.length === 2, 'the second message');
      expect(first).toEqual(['1']);
      expect(second).toEqual(['1', '2']);
    });

    it('delivers a retained message to a later subscriber, flagged retained, until it is cleared', async () => {
      const pub = await client();
      await pub.publish('r/status', bytes('online'), { retain: true });
      const late = await client();
      const seen = record(late);
      await late.subscribe('r/#');
      await eventually(() => seen.length === 1, 'the retained message');
      expect([seen[0].topic, text(seen[0].payload), seen[0].retain]).toEqual(['r/status', 'online', true]);
      await pub.publish('r/status', new Uint8Array(), { retain: true });
      const later = await client();
      const none = record(later);
      await later.subscribe('r/#');
      await pub.publish('r/other', bytes('live'));
      await eventually(() => none.length === 1, 'a live message');
      expect(none.map((m) => [m.topic, m.retain])).toEqual([['r/other', false]]);
    });

    it('keeps QoS 1 messages for a persistent session while its client is away', async () => {
      const clientId = `persistent-${name}`;
      const away = await client({ clientId, clean: false });
      await away.subscribe('q/#', { qos: 1 });
      await away.close();
      const pub = await client();
      for (const n of [1, 2, 3]) await pub.publish('q/n', bytes(String(n)), { qos: 1 });
      const back = createMqttTransport({ url: broker.url, protocolVersion: traits.protocolVersion, username: HOST_USERNAME, password: HOST_PASSWORD, clientId, clean: false });
      open.push(back);
      const seen = record(back);
      await back.connect();
      await eventually(() => seen.length === 3, 'three queued messages');
      expect(seen.map((m) => `${text(m.payload)}/${m.qos}`)).toEqual(['1/1', '2/1', '3/1']);
    });

    it.skipIf(!traits.persistsAcrossRestart)('delivers QoS 1 messages queued for a persistent session across a broker restart', async () => {
      const clientId = `restart-${name}`;
      const away = await client({ clientId, clean: false });
      await away.subscribe('pr/#', { qos: 1 });
      await away.close();
      const pub = await client();
      for (const n of [1, 2, 3]) await pub.publish('pr/n', bytes(String(n)), { qos: 1 });
      await pub.close();
      await broker.restart();
      const back = createMqttTransport({ url: broker.url, protocolVersion: traits.protocolVersion, username: HOST_USERNAME, password: HOST_PASSWORD, clientId, clean: false });
      open.push(back);
      const seen = record(back);
      const events: MqttConnectionEvent[] = [];
      back.onConnectionChange((e) => events.push(e));
      await back.connect();
      expect(events[0]).toEqual({ state: 'connected', sessionPresent: true });
      await eventually(() => seen.length === 3, 'three messages kept across the restart');
      expect(seen.map((m) => text(m.payload))).toEqual(['1', '2', '3']);
    });

    it('reconnects with growing delays after the broker restarts, and restores subscriptions', async () => {
      const b = await client();
      const events: MqttConnectionEvent[] = [];
      b.onConnectionChange((e) => events.push(e));
      const bBus = createMqttBus(b, { onTransportError: (e) => errors.push(e) });
      const seen: string[] = [];
      bBus.subscribe('rc/#', (m) => seen.push(text(m.payload)));
      await bBus.flush();
      await broker.restart(400);
      await eventually(() => events.some((e) => e.state === 'connected'), 'a reconnection', 5000);
      expect(b.connected).toBe(true);
      const retries = events.flatMap((e) => (e.state === 'disconnected' ? [e.retryInMs] : []));
      // Backoff from 50 ms, doubling up to 400 ms, while the broker was down.
      expect(retries.slice(0, 3)).toEqual([50, 100, 200]);
      expect(events.filter((e) => e.state === 'disconnected').slice(1).every((e) => e.state === 'disconnected' && e.error instanceof Error)).toBe(true);
      const other = await bus();
      other.publish('rc/x', bytes('again'));
      await eventually(() => seen.length > 0, 'a message after the restart');
      expect(seen).toEqual(['again']);
    });

    it('keeps delivering to the other subscribers when a handler throws, and reports it', async () => {
      const failures: string[] = [];
      const b = createMqttBus(await client(), { onHandlerError: (e, m) => failures.push(`${m.topic}: ${(e as Error).message}`) });
      const seen: string[] = [];
      b.subscribe('h/#', () => {
        throw new Error('boom');
      });
      b.subscribe('h/#', (m) => seen.push(m.topic));
      await b.flush();
      b.publish('h/1', bytes('x'));
      await eventually(() => seen.length === 1, 'the message');
      expect(failures).toEqual(['h/1: boom']);
    });

    it('refuses a wrong host password with a denied error', async () => {
      const error = await client({ password: 'wrong' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WasmhostError);
      expect((error as WasmhostError).code).toBe('denied');
    });

    it('lets a peer publish only on its own topics and receive only its own rpc topic', async () => {
      const host = await client();
      const seen = record(host);
      await host.subscribe('wasmhost/v1/#');
      // MQTT 5 answers a refused publish; MQTT 3.1.1 cannot, so the broker acknowledges it, drops it
      // and logs it, and the connection stays (this one has a connection of its own, before the
      // peer's: one connection per peer id).
      const forger = await client({ username: 'p1', password: PEERS.p1, clientId: 'p1' });
      const refusal = forger.publish('wasmhost/v1/peers/p2/data', bytes('forged'), { qos: 1 });
      if (v5) expect(((await refusal.catch((e: unknown) => e)) as WasmhostError).code).toBe('denied');
      else {
        await refusal;
        await eventually(() => /refused a publish of p1 \(username p1\) to wasmhost\/v1\/peers\/p2\/data/.test(broker.log()), 'the broker to log the refusal');
      }
      await forger.close();
      const peer = await client({ username: 'p1', password: PEERS.p1, clientId: 'p1' });
      const peerSeen = record(peer);
      await peer.subscribe('wasmhost/v1/peers/p1/rpc');
      // aedes refuses foreign filters in the SUBACK; mosquitto grants them and filters deliveries by its acl_file.
      for (const filter of ['wasmhost/v1/peers/p2/rpc', 'wasmhost/v1/peers/+/rpc', 'wasmhost/v1/#']) {
        const refused = await peer.subscribe(filter).then(() => undefined, (e: unknown) => e);
        expect((refused as WasmhostError | undefined)?.code, filter).toBe(traits.refusesForeignSubscriptions ? 'denied' : undefined);
      }
      const other = await client({ username: 'p2', password: PEERS.p2, clientId: 'p2' });
      await other.publish('wasmhost/v1/peers/p2/data', bytes('real'));
      await host.publish('wasmhost/v1/peers/p2/rpc', bytes('to p2'));
      await host.publish('wasmhost/v1/peers/p1/rpc', bytes('to p1'));
      await eventually(() => seen.length === 3 && peerSeen.length > 0, 'the allowed messages');
      expect(seen.map((m) => `${m.topic} ${text(m.payload)}`)).toEqual(['wasmhost/v1/peers/p2/data real', 'wasmhost/v1/peers/p2/rpc to p2', 'wasmhost/v1/peers/p1/rpc to p1']);
      // Over MQTT 5, mosquitto sends one copy per matching subscription: three here.
      expect(new Set(peerSeen.map((m) => `${m.topic} ${text(m.payload)}`))).toEqual(new Set(['wasmhost/v1/peers/p1/rpc to p1']));
    });

    it.skipIf(v5)('refuses request/reply, content types and metadata as unsupported on MQTT 3.1.1', async () => {
      const requester = await bus();
      await expect(requester.request('svc/echo', bytes('hi'), { timeoutMs: 100 })).rejects.toMatchObject({ code: 'unsupported' });
      expect(() => requester.publish('svc/echo', bytes('hi'), { contentType: 'text/plain' })).toThrow(/MQTT 5/);
      expect(() => requester.publish('svc/echo', bytes('hi'), { metadata: [['a', '1']] })).toThrow(/MQTT 5/);
    });

    describe.skipIf(!v5)('request/reply (MQTT 5)', () => {
      it('answers a request through a responder, with content type and metadata', async () => {
        const requester = await bus();
        const responder = await bus();
        responder.subscribe('svc/echo', (m) => {
          responder.publish(m.replyTo!, bytes(`echo ${text(m.payload)}`), { contentType: m.contentType, metadata: [['seen', String(m.metadata?.length)]] });
        });
        await responder.flush();
        const [reply, ...rest] = await requester.request('svc/echo', bytes('hi'), { timeoutMs: 3000, contentType: 'text/plain', metadata: [['a', '1'], ['b', '2']] });
        expect(rest).toEqual([]);
        expect(text(reply.payload)).toBe('echo hi');
        expect(reply.contentType).toBe('text/plain');
        expect(reply.metadata).toEqual([['seen', '2']]);
        expect(reply.topic.startsWith('$reply/')).toBe(true);
      });

      it('collects the expected number of replies from several responders', async () => {
        const requester = await bus();
        for (const name of ['a', 'b']) {
          const responder = await bus();
          responder.subscribe('svc/all', (m) => responder.publish(m.replyTo!, bytes(name)));
          await responder.flush();
        }
        const replies = await requester.request('svc/all', bytes('?'), { timeoutMs: 3000, expectedReplies: 2 });
        expect(replies.map((m) => text(m.payload)).sort()).toEqual(['a', 'b']);
      });

      it('resolves a request with what arrived when its timeout passes', async () => {
        const requester = await bus();
        const started = Date.now();
        expect(await requester.request('svc/nobody', bytes('?'), { timeoutMs: 200 })).toEqual([]);
        expect(Date.now() - started).toBeGreaterThanOrEqual(195);
        const responder = await bus();
        responder.subscribe('svc/one', (m) => responder.publish(m.replyTo!, bytes('only')));
        await responder.flush();
        const replies = await requester.request('svc/one', bytes('?'), { timeoutMs: 300, expectedReplies: 2 });
        expect(replies.map((m) => text(m.payload))).toEqual(['only']);
      });
    });
  });
}
