import { WasmhostError } from '../errors.js';
import { topicMatches } from '../capabilities/grants.js';
import { checkFilter, checkTopic } from '../memory/memory-bus.js';
import type { BusMessage, MessageBus, MessageHandler, PublishOptions } from '../ports/message-bus.js';
import type { MqttMessage, MqttQos, MqttTransport } from '../ports/mqtt-transport.js';

/** Options of a message bus over MQTT. */
export interface MqttBusOptions {
  /** Told when a subscriber's handler throws; the message still reaches the others (default: console.error). */
  onHandlerError?: (error: unknown, message: BusMessage) => void;
  /** Told when the broker refuses or the transport fails a publish, subscribe or unsubscribe (default: console.error). */
  onTransportError?: (error: unknown, action: string) => void;
  /** Reply inboxes are `<replyPrefix>/<bus id>/<n>` (default `$reply`, unseen by `#` subscribers). */
  replyPrefix?: string;
  /** QoS of publishes and subscriptions (default 1). */
  qos?: MqttQos;
}

/** A message bus whose broker round trips can be awaited. */
export interface MqttBus extends MessageBus {
  /** Resolves once every publish, subscribe and unsubscribe issued so far has been answered by the broker. */
  flush(): Promise<void>;
  /** Stops listening to the transport and ends pending requests with what they have; the transport stays open. */
  close(): void;
}

interface Subscription { filters: readonly string[]; handler: MessageHandler; active: boolean }
interface FilterState { refs: number; id: number }

/**
 * The MessageBus port over an MQTT transport: the same filter semantics as the in-process bus,
 * each message delivered once per subscription even when several of its filters match (on MQTT 5
 * through subscription identifiers, since a broker may send one copy per matching filter).
 * Request/reply uses the MQTT 5 response topic and correlation data, so it needs protocol
 * version 5; so do content types and metadata. `requestSync` is absent: replies take a round trip.
 */
export function createMqttBus(transport: MqttTransport, options: MqttBusOptions = {}): MqttBus {
  const onHandlerError = options.onHandlerError ?? ((error, message) => console.error(`MQTT bus: a handler failed on ${message.topic}:`, error));
  const onTransportError = options.onTransportError ?? ((error, action) => console.error(`MQTT bus: ${action} failed:`, error));
  const qos = options.qos ?? 1;
  const v5 = transport.protocolVersion === 5;
  const inboxBase = `${options.replyPrefix ?? '$reply'}/${Math.random().toString(36).slice(2, 10)}${Date.now().toString(36)}`;
  checkTopic(inboxBase);
  const inboxFilter = `${inboxBase}/+`;
  const subscriptions = new Set<Subscription>();
  const filters = new Map<string, FilterState>();
  /** Requests waiting for replies, by inbox topic. */
  const pending = new Map<string, { reply: (message: BusMessage) => void; finish: () => void }>();
  const inFlight = new Set<Promise<unknown>>();
  let nextSubscriptionId = 1;
  const inboxId = v5 ? nextSubscriptionId++ : undefined;
  let inboxReady: Promise<void> | undefined;
  let requestCount = 0;
  let closed = false;

  /** Counts `operation` for flush(); reports its failure unless the caller passes it on. */
  function track(operation: Promise<void>, action: string, report = true): Promise<void> {
    const settled = operation.catch((error: unknown) => {
      if (report) onTransportError(error, action);
      throw error;
    });
    const entry = settled.catch(() => {}).finally(() => inFlight.delete(entry));
    inFlight.add(entry);
    return settled;
  }

  function addFilter(filter: string): void {
    const state = filters.get(filter);
    if (state) {
      state.refs++;
      return;
    }
    const id = nextSubscriptionId++;
    filters.set(filter, { refs: 1, id });
    track(transport.subscribe(filter, v5 ? { qos, subscriptionIdentifier: id } : { qos }), `subscribe to ${filter}`).catch(() => {});
  }

  function dropFilter(filter: string): void {
    const state = filters.get(filter);
    if (!state || --state.refs > 0) return;
    filters.delete(filter);
    track(transport.unsubscribe(filter), `unsubscribe from ${filter}`).catch(() => {});
  }

  /** True when this copy of a message was delivered for the subscription `id` (always, without subscription identifiers). */
  function deliveredFor(message: MqttMessage, id: number | undefined): boolean {
    const ids = message.properties?.subscriptionIdentifiers;
    return ids === undefined || (id !== undefined && ids.includes(id));
  }

  function onMessage(message: MqttMessage): void {
    const bus = toBusMessage(message);
    if (message.topic.startsWith(`${inboxBase}/`) && deliveredFor(message, inboxId)) pending.get(message.topic)?.reply(bus);
    for (const sub of [...subscriptions]) {
      if (!sub.active) continue;
      // The first matching filter stands for the subscription, so a copy per filter counts once.
      const first = sub.filters.find((f) => topicMatches(f, message.topic));
      if (first === undefined || !deliveredFor(message, filters.get(first)?.id)) continue;
      try {
        sub.handler(bus);
      } catch (error) {
        onHandlerError(error, bus);
      }
    }
  }
  const stopListening = transport.onMessage(onMessage);

  function requireV5(what: string): void {
    if (!v5) throw new WasmhostError('unsupported', `${what} needs MQTT 5 properties, but this transport speaks MQTT 3.1.1 (aedes 1.2, the embedded broker, has no MQTT 5); connect with protocolVersion 5 to a broker that has it, such as mosquitto`);
  }

  function publish(topic: string, payload: Uint8Array, opts: PublishOptions = {}): void {
    checkTopic(topic);
    if (!(payload instanceof Uint8Array)) throw new WasmhostError('bad-input', `the payload for ${topic} must be a Uint8Array`);
    if (opts.replyTo !== undefined) checkTopic(opts.replyTo);
    if (opts.contentType !== undefined || opts.metadata !== undefined || opts.replyTo !== undefined) requireV5('a content type, metadata or reply address');
    const properties = v5 ? { contentType: opts.contentType, userProperties: opts.metadata, responseTopic: opts.replyTo } : undefined;
    track(transport.publish(topic, payload, { qos, properties }), `publish to ${topic}`).catch(() => {});
  }

  return {
    publish,
    subscribe(filterOrFilters, handler) {
      const list = typeof filterOrFilters === 'string' ? [filterOrFilters] : [...new Set(filterOrFilters)];
      if (list.length === 0) throw new WasmhostError('bad-input', 'subscribe needs at least one topic filter');
      list.forEach(checkFilter);
      const sub: Subscription = { filters: list, handler, active: true };
      subscriptions.add(sub);
      list.forEach(addFilter);
      return () => {
        if (!sub.active) return;
        sub.active = false;
        subscriptions.delete(sub);
        list.forEach(dropFilter);
      };
    },
    async request(topic, payload, opts) {
      checkTopic(topic);
      if (!(payload instanceof Uint8Array)) throw new WasmhostError('bad-input', `the payload for ${topic} must be a Uint8Array`);
      const expected = opts.expectedReplies ?? 1;
      if (!Number.isInteger(expected) || expected < 1) throw new WasmhostError('bad-input', `expected replies must be a whole number ≥ 1, got ${expected}`);
      if (!(opts.timeoutMs >= 0)) throw new WasmhostError('bad-input', `request timeout must be a number of milliseconds ≥ 0, got ${opts.timeoutMs}`);
      requireV5('request/reply');
      if (closed) throw new WasmhostError('bad-input', `request to ${topic} on a closed MQTT bus`);
      const started = Date.now();
      inboxReady ??= track(transport.subscribe(inboxFilter, { qos, subscriptionIdentifier: inboxId }), `subscribe to ${inboxFilter}`, false)
        .catch((error: unknown) => {
          inboxReady = undefined;
          throw error;
        });
      await inboxReady;
      const n = ++requestCount;
      const inbox = `${inboxBase}/${n}`;
      return new Promise<BusMessage[]>((resolve, reject) => {
        const replies: BusMessage[] = [];
        const finish = (error?: unknown) => {
          pending.delete(inbox);
          clearTimeout(timer);
          if (error === undefined) resolve(replies);
          else reject(error);
        };
        const timer = setTimeout(finish, Math.max(0, opts.timeoutMs - (Date.now() - started)));
        pending.set(inbox, {
          reply(message) {
            replies.push(message);
            if (replies.length === expected) finish();
          },
          finish: () => finish(),
        });
        const properties = { responseTopic: inbox, correlationData: new TextEncoder().encode(String(n)), contentType: opts.contentType, userProperties: opts.metadata };
        track(transport.publish(topic, payload, { qos, properties }), `request to ${topic}`, false).catch(finish);
      });
    },
    async flush() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    close() {
      closed = true;
      stopListening();
      for (const sub of subscriptions) sub.active = false;
      subscriptions.clear();
      for (const request of [...pending.values()]) request.finish();
    },
  };
}

function toBusMessage(message: MqttMessage): BusMessage {
  const out: { -readonly [K in keyof BusMessage]: BusMessage[K] } = { topic: message.topic, payload: message.payload };
  const p = message.properties;
  if (p?.contentType !== undefined) out.contentType = p.contentType;
  if (p?.userProperties !== undefined) out.metadata = p.userProperties.map(([k, v]) => [k, v] as const);
  if (p?.responseTopic !== undefined) out.replyTo = p.responseTopic;
  return Object.freeze(out);
}
