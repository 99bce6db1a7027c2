// The host's own MqttTransport when the broker is embedded: publishes and subscriptions go
// straight to the aedes instance in this process (its publish/subscribe API and its retained
// store), with no TCP connection and no MQTT client library (mqtt.js is about 10 MiB of RSS
// beside aedes). It speaks what the broker speaks, MQTT 3.1.1 (no properties), and has the
// rights of the host's own client: everything but publishing to `$SYS/`. Peers and pages are
// not affected: the broker checks what each of them may receive as it delivers.
import { WasmhostError } from '../src/errors.js';
import type {
  MqttConnectionEvent, MqttMessage, MqttPublishOptions, MqttQos, MqttSubscribeOptions, MqttTransport,
} from '../src/ports/mqtt-transport.js';

/** A PUBLISH as aedes hands it to a subscription or keeps it retained. */
export interface AedesPacket {
  topic: string;
  payload: Uint8Array | string;
  qos: number;
  retain?: boolean;
}

type Deliver = (packet: AedesPacket, done: () => void) => void;

/** The part of an aedes 1.x instance this transport uses (aedes' own typings omit `persistence`). */
export interface AedesBroker {
  readonly closed: boolean;
  publish(packet: { cmd: 'publish'; topic: string; payload: Buffer; qos: MqttQos; retain: boolean; dup: false }, done: (error?: Error) => void): void;
  subscribe(filter: string, deliver: Deliver, done: (error?: Error) => void): void;
  unsubscribe(filter: string, deliver: Deliver, done: (error?: Error) => void): void;
  readonly persistence: { createRetainedStreamCombi(filters: string[]): AsyncIterable<AedesPacket> };
  once(event: 'closed', listener: () => void): unknown;
  off(event: 'closed', listener: () => void): unknown;
}

/** Options of the in-process transport. */
export interface AedesTransportOptions {
  /** A publish whose packet would be larger is refused, as the broker closes a client sending one. */
  maxPacketBytes: number;
  /** Names the broker in error messages (its URL). */
  name: string;
}

/** A transport into `broker` from inside its own process, with the host client's rights. */
export function createAedesTransport(broker: AedesBroker, options: AedesTransportOptions): MqttTransport {
  const messageHandlers = new Set<(m: MqttMessage) => void>();
  const connectionListeners = new Set<(e: MqttConnectionEvent) => void>();
  const subscriptions = new Map<string, { qos: MqttQos; deliver: Deliver }>();
  /** Packets already handed over: aedes calls every matching subscription with the same packet, MQTT 3.1.1 delivers it once. */
  const delivered = new WeakSet<object>();
  let state: 'new' | 'open' | 'closed' = 'new';

  const emit = (event: MqttConnectionEvent) => connectionListeners.forEach((listener) => guarded(() => listener(event), `a connection listener (${event.state})`));
  const dispatch = (message: MqttMessage) => {
    if (state === 'open') messageHandlers.forEach((handler) => guarded(() => handler(message), `a message handler (${message.topic})`));
  };
  const live = (what: string) => {
    if (state === 'new') throw new WasmhostError('bad-input', `MQTT ${what} before connect(): call connect() on the transport first`);
    if (state === 'closed' || broker.closed) throw new WasmhostError('io', `MQTT ${what} after close(): the in-process transport to ${options.name} is closed`);
  };
  const shut = () => {
    if (state === 'closed') return;
    const was = state;
    state = 'closed';
    broker.off('closed', shut);
    for (const [filter, { deliver }] of subscriptions) broker.unsubscribe(filter, deliver, () => {});
    subscriptions.clear();
    if (was === 'open') emit({ state: 'closed' });
  };
  broker.once('closed', shut);

  /** Called by aedes for each message matching `filter`; hands it over later, as a network client would get it. */
  function deliverer(filter: string, qos: MqttQos): Deliver {
    const wildcardFirst = filter.startsWith('+') || filter.startsWith('#');
    const deliver: Deliver = (packet, done) => {
      done();
      // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match `$` topics.
      if (subscriptions.get(filter)?.deliver !== deliver || (wildcardFirst && packet.topic.startsWith('$')) || delivered.has(packet)) return;
      delivered.add(packet);
      const message = toMessage(packet, Math.min(packet.qos, qos) as MqttQos, false);
      setImmediate(dispatch, message);
    };
    return deliver;
  }

  /** The retained messages matching new subscriptions, flagged retained, as a broker sends them after the SUBACK. */
  async function sendRetained(filters: string[], qos: MqttQos): Promise<void> {
    for await (const packet of broker.persistence.createRetainedStreamCombi(filters)) dispatch(toMessage(packet, Math.min(packet.qos, qos) as MqttQos, true));
  }

  const each = (filters: string | readonly string[]) => (typeof filters === 'string' ? [filters] : [...filters]);
  const call = (run: (done: (error?: Error) => void) => void, what: string) =>
    new Promise<void>((resolve, reject) => run((error) => (error ? reject(new WasmhostError('io', `MQTT ${what} on ${options.name} failed: ${error.message}`, { cause: error })) : resolve())));

  return {
    protocolVersion: 4,
    get connected() {
      return state === 'open' && !broker.closed;
    },
    async connect() {
      if (state !== 'new') throw new WasmhostError('bad-input', `connect() was already called on the in-process transport to ${options.name}`);
      if (broker.closed) throw new WasmhostError('io', `the embedded MQTT broker ${options.name} is closed`);
      state = 'open';
      emit({ state: 'connected', sessionPresent: false });
    },
    async publish(topic, payload, opts: MqttPublishOptions = {}) {
      live('publish');
      if (opts.properties && Object.values(opts.properties).some((v) => v !== undefined)) {
        throw new WasmhostError('unsupported', `MQTT 3.1.1 cannot carry properties (publish to ${topic}); connect with protocolVersion 5`);
      }
      const problem = topicProblem(topic, false);
      if (problem) throw new WasmhostError('bad-input', `MQTT publish to ${JSON.stringify(topic)}: ${problem}`);
      if (topic.startsWith('$SYS/')) throw new WasmhostError('denied', `MQTT publish to ${topic} refused: nobody may publish under $SYS/`);
      const size = Buffer.byteLength(topic) + payload.byteLength + 4;
      if (size > options.maxPacketBytes) {
        throw new WasmhostError('bad-input', `MQTT publish to ${topic}: ${payload.byteLength} bytes is over the broker's ${options.maxPacketBytes}-byte packet limit`);
      }
      const packet = { cmd: 'publish' as const, topic, payload: Buffer.from(payload), qos: opts.qos ?? 1, retain: opts.retain ?? false, dup: false as const };
      await call((done) => broker.publish(packet, done), `publish to ${topic}`);
    },
    async subscribe(filters, opts: MqttSubscribeOptions = {}) {
      live('subscribe');
      if (opts.subscriptionIdentifier !== undefined) throw new WasmhostError('unsupported', 'MQTT 3.1.1 has no subscription identifiers; connect with protocolVersion 5');
      const list = [...new Set(each(filters))];
      for (const filter of list) {
        const problem = topicProblem(filter, true);
        if (problem) throw new WasmhostError('bad-input', `MQTT subscribe to ${JSON.stringify(filter)}: ${problem}`);
      }
      const qos = opts.qos ?? 1;
      await Promise.all(list.map((filter) => {
        const old = subscriptions.get(filter);
        if (old?.qos === qos) return undefined;
        if (old) broker.unsubscribe(filter, old.deliver, () => {});
        const deliver = deliverer(filter, qos);
        subscriptions.set(filter, { qos, deliver });
        return call((done) => broker.subscribe(filter, deliver, done), `subscribe to ${filter}`).catch((error: unknown) => {
          if (subscriptions.get(filter)?.deliver === deliver) subscriptions.delete(filter);
          throw error;
        });
      }));
      sendRetained(list, qos).catch((error: unknown) => console.error(`MQTT transport: the retained messages of ${list.join(', ')} could not be read:`, error));
    },
    async unsubscribe(filters) {
      live('unsubscribe');
      await Promise.all(each(filters).map((filter) => {
        const sub = subscriptions.get(filter);
        if (!sub) return undefined;
        subscriptions.delete(filter);
        return call((done) => broker.unsubscribe(filter, sub.deliver, done), `unsubscribe from ${filter}`);
      }));
    },
    onMessage(handler) {
      const own = (m: MqttMessage) => handler(m);
      messageHandlers.add(own);
      return () => void messageHandlers.delete(own);
    },
    onConnectionChange(listener) {
      const own = (e: MqttConnectionEvent) => listener(e);
      connectionListeners.add(own);
      return () => void connectionListeners.delete(own);
    },
    async close() {
      shut();
    },
  };
}

/** Why `topic` is not a valid topic name (or, with `filter`, topic filter); undefined when it is. */
export function topicProblem(topic: string, filter: boolean): string | undefined {
  if (topic.length === 0) return 'the topic is empty';
  if (topic.includes('\u0000')) return 'the topic contains a NUL character';
  const levels = topic.split('/');
  for (const [i, level] of levels.entries()) {
    if (!filter && (level.includes('+') || level.includes('#'))) return 'a topic name cannot contain the wildcards + or #';
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return '# must be a whole level, the last one';
    if (level.includes('+') && level !== '+') return '+ must be a whole level';
  }
  return undefined;
}

function toMessage(packet: AedesPacket, qos: MqttQos, retain: boolean): MqttMessage {
  const { payload } = packet;
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  return { topic: packet.topic, payload: bytes, qos, retain };
}

/** Runs a caller's callback so that what it throws cannot break the broker's delivery. */
function guarded(run: () => void, what: string): void {
  try {
    run();
  } catch (error) {
    console.error(`MQTT transport: ${what} threw:`, error);
  }
}
