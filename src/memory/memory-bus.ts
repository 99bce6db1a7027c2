import { WasmhostError } from '../errors.js';
import { topicMatches } from '../capabilities/grants.js';
import type { BusMessage, MessageBus, MessageHandler, PublishOptions } from '../ports/message-bus.js';

/** Options of an in-process bus. */
export interface MemoryBusOptions {
  /** Told when a subscriber's handler throws; the message still reaches the others (default: console.error). */
  onHandlerError?: (error: unknown, message: BusMessage) => void;
}

interface Subscription { filters: readonly string[]; handler: MessageHandler; active: boolean }

/**
 * A bus inside one process: for tests, and for workloads of one host talking to each other.
 *
 * Delivery is synchronous and in order: `publish` returns after every subscriber has seen
 * the message. A message published from inside a handler is queued and delivered once the
 * current one has reached all its subscribers, so handlers are never re-entered by their
 * own publishes and every subscriber sees one global order. `requestSync` is the exception:
 * its request is delivered at once (its caller waits for the answer), ahead of anything queued.
 */
export function createMemoryBus(options: MemoryBusOptions = {}): MessageBus {
  const onHandlerError = options.onHandlerError ?? ((error, message) => console.error(`memory bus: a handler failed on ${message.topic}:`, error));
  const subscriptions = new Set<Subscription>();
  /** Pending requests by reply address: their replies are captured at publish time. */
  const inboxes = new Map<string, (reply: BusMessage) => void>();
  const queue: BusMessage[] = [];
  let draining = false;
  let inboxCount = 0;

  function deliver(message: BusMessage): void {
    for (const sub of [...subscriptions]) {
      if (!sub.active || !sub.filters.some((f) => topicMatches(f, message.topic))) continue;
      try {
        sub.handler(message);
      } catch (error) {
        onHandlerError(error, message);
      }
    }
  }

  function drain(): void {
    if (draining) return;
    draining = true;
    try {
      for (let next = queue.shift(); next; next = queue.shift()) deliver(next);
    } finally {
      draining = false;
    }
  }

  function publish(topic: string, payload: Uint8Array, opts: PublishOptions = {}): void {
    const message = busMessage(topic, payload, opts);
    inboxes.get(topic)?.(message);
    queue.push(message);
    drain();
  }

  return {
    publish,
    subscribe(filters, handler) {
      const list = typeof filters === 'string' ? [filters] : [...filters];
      if (list.length === 0) throw new WasmhostError('bad-input', 'subscribe needs at least one topic filter');
      list.forEach(checkFilter);
      const sub: Subscription = { filters: list, handler, active: true };
      subscriptions.add(sub);
      return () => {
        sub.active = false;
        subscriptions.delete(sub);
      };
    },
    async request(topic, payload, opts) {
      checkTopic(topic);
      const expected = expectedReplies(opts.expectedReplies);
      if (!(opts.timeoutMs >= 0)) throw new WasmhostError('bad-input', `request timeout must be a number of milliseconds ≥ 0, got ${opts.timeoutMs}`);
      return new Promise<BusMessage[]>((resolve) => {
        const inbox = `$reply/memory/${++inboxCount}`;
        const replies: BusMessage[] = [];
        const finish = () => {
          inboxes.delete(inbox);
          clearTimeout(timer);
          resolve(replies);
        };
        const timer = setTimeout(finish, opts.timeoutMs);
        inboxes.set(inbox, (reply) => {
          replies.push(reply);
          if (replies.length === expected) finish();
        });
        publish(topic, payload, { contentType: opts.contentType, metadata: opts.metadata, replyTo: inbox });
      });
    },
    requestSync(topic, payload, opts = {}) {
      const expected = expectedReplies(opts.expectedReplies);
      const inbox = `$reply/memory/${++inboxCount}`;
      const message = busMessage(topic, payload, { contentType: opts.contentType, metadata: opts.metadata, replyTo: inbox });
      const replies: BusMessage[] = [];
      inboxes.set(inbox, (reply) => {
        if (replies.length < expected) replies.push(reply);
      });
      const outermost = !draining;
      try {
        // Mark the bus busy, so that what responders publish is queued, not delivered inside them.
        draining = true;
        try {
          deliver(message);
        } finally {
          if (outermost) draining = false;
        }
        // Outside any handler: deliver what the responders published, chained replies included.
        if (outermost) drain();
      } finally {
        inboxes.delete(inbox);
      }
      return replies;
    },
  };
}

function busMessage(topic: string, payload: Uint8Array, opts: PublishOptions): BusMessage {
  checkTopic(topic);
  if (!(payload instanceof Uint8Array)) throw new WasmhostError('bad-input', `the payload for ${topic} must be a Uint8Array`);
  const message: { -readonly [K in keyof BusMessage]: BusMessage[K] } = { topic, payload: payload.slice() };
  if (opts.contentType !== undefined) message.contentType = opts.contentType;
  if (opts.metadata !== undefined) message.metadata = opts.metadata.map(([k, v]) => [k, v] as const);
  if (opts.replyTo !== undefined) {
    checkTopic(opts.replyTo);
    message.replyTo = opts.replyTo;
  }
  return Object.freeze(message);
}

function expectedReplies(n: number | undefined): number {
  if (n === undefined) return 1;
  if (!Number.isInteger(n) || n < 1) throw new WasmhostError('bad-input', `expected replies must be a whole number ≥ 1, got ${n}`);
  return n;
}

/** Throws `bad-input` unless `topic` can be published to: non-empty, no wildcards, no NUL. */
export function checkTopic(topic: string): void {
  if (typeof topic !== 'string' || topic === '') throw new WasmhostError('bad-input', 'a topic must be a non-empty string');
  if (/[+#\0]/.test(topic)) throw new WasmhostError('bad-input', `topic "${topic}" must not contain the wildcards + or # (or NUL); they belong in subscription filters`);
}

/** Throws `bad-input` unless `filter` is a valid MQTT topic filter. */
export function checkFilter(filter: string): void {
  if (typeof filter !== 'string' || filter === '') throw new WasmhostError('bad-input', 'a topic filter must be a non-empty string');
  const levels = filter.split('/');
  levels.forEach((level, i) => {
    const bad =
      level.includes('\0') ||
      (level.includes('#') && (level !== '#' || i !== levels.length - 1)) ||
      (level.includes('+') && level !== '+');
    if (bad) throw new WasmhostError('bad-input', `topic filter "${filter}" is invalid: + must fill a whole level, # must be the whole last level`);
  });
}
