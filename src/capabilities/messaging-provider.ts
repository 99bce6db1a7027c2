import { vendoredOffers } from './vendored-offers.js';
import { WasmhostError } from '../errors.js';
import type { BusMessage, BusMetadata, MessageBus, PublishOptions } from '../ports/message-bus.js';
import { interfaceError } from './interface-error.js';
import { topicMatches, type Grants } from './grants.js';
import type { CapabilityProvider, ProviderContext } from './provider.js';

// jco's conventions for imported resources, read from its generated glue (1.35):
// - the import object holds a class per resource (`{ Client, Message }` for
//   `wasi:messaging/types`); the glue calls `new Message(data)` for a constructor,
//   `Client.connect(name)` for a static function and `message.topic()` for a method,
//   on the very object the host handed out (it keeps host objects in a table by handle);
// - whatever the host returns or passes in as a resource must be `instanceof` that class;
// - an own handle given to the host (`send`'s message) is the host's object from then on;
// - when the guest drops an own handle, `obj[Symbol.dispose]()` is called if it exists.

/** `wasi:messaging/types` `message`: data, content type, metadata, and where it came from. */
export class Message {
  #data: Uint8Array;
  #topic: string | undefined;
  #contentType: string | undefined;
  #metadata: [string, string][] | undefined;
  /** The reply address of a received request (not part of the WIT; used by `reply`). */
  readonly replyTo: string | undefined;

  /** The guest's constructor passes only `data`; the host adds what a received message carries. */
  constructor(data: Uint8Array, received?: BusMessage) {
    this.#data = data;
    this.#topic = received?.topic;
    this.#contentType = received?.contentType;
    this.#metadata = received?.metadata?.map(([k, v]) => [k, v]);
    this.replyTo = received?.replyTo;
  }

  /** A message as a workload receives it from the bus. */
  static received(message: BusMessage): Message {
    return new Message(message.payload, message);
  }

  topic(): string | undefined { return this.#topic; }
  contentType(): string | undefined { return this.#contentType; }
  setContentType(contentType: string): void { this.#contentType = contentType; }
  data(): Uint8Array { return this.#data; }
  setData(data: Uint8Array): void { this.#data = data; }
  metadata(): [string, string][] | undefined { return this.#metadata?.map(([k, v]) => [k, v]); }
  addMetadata(key: string, value: string): void {
    this.removeMetadata(key);
    (this.#metadata ??= []).push([key, value]);
  }
  setMetadata(meta: [string, string][]): void { this.#metadata = meta.map(([k, v]) => [k, v]); }
  removeMetadata(key: string): void { this.#metadata = this.#metadata?.filter(([k]) => k !== key); }

  /** What the bus needs to send this message. */
  publishOptions(): PublishOptions {
    return { contentType: this.#contentType, metadata: this.#metadata as BusMetadata | undefined };
  }
}

/** `wasi:messaging/request-reply` `request-options`. */
export class RequestOptions {
  timeoutMs: number | undefined;
  expectedReplies: number | undefined;
  setTimeoutMs(timeoutMs: number): void { this.timeoutMs = timeoutMs; }
  setExpectedReplies(expectedReplies: number): void { this.expectedReplies = expectedReplies; }
}

/** True when the workload's grants allow publishing to `topic` (a leading wildcard never grants a `$` topic). */
export function mayPublish(grants: Readonly<Grants>, topic: string): boolean {
  return (grants.messaging?.publish ?? []).some((f) => topicMatches(f, topic));
}

/**
 * `wasi:messaging@0.2.0-draft` (`types`, `producer`, `request-reply`) over a message bus,
 * behind the `messaging` grant. `send` and `request` reach only topics matched by
 * `grants.messaging.publish`; others get `permission-denied`, an error the guest sees, not a trap.
 *
 * Component imports are synchronous, so `request` uses the bus's `requestSync`: only
 * responders that answer while the request is delivered (in-process subscribers, other
 * workloads on the same bus) are heard; with none, the guest gets `timeout` at once and the
 * host log says why. A bus without `requestSync` makes `request` fail with `other`.
 */
export function createMessagingProvider(bus: MessageBus): CapabilityProvider {
  return {
    name: 'messaging',
    offers: vendoredOffers('wasi:messaging', ['types', 'producer', 'request-reply'], 'messaging'),
    create: (ctx) => messagingImports(bus, ctx),
  };
}

function messagingImports(bus: MessageBus, ctx: ProviderContext): Record<string, unknown> {
  const warn = (message: string) => ctx.log({ workload: ctx.workload, level: 'warn', context: 'wasi:messaging', message });
  const connected = new WeakSet<object>();

  /** A connection to the host's bus; every name reaches the same bus. */
  class Client {
    static connect(_name: string): Client {
      return new Client();
    }
    constructor() {
      connected.add(this);
    }
    disconnect(): void {
      connected.delete(this);
    }
  }

  function checkSend(c: Client, topic: string, what: string): void {
    if (!connected.has(c)) throw interfaceError({ tag: 'connection', val: 'the client is disconnected' });
    if (typeof topic !== 'string' || topic === '' || /[+#\0]/.test(topic)) {
      throw interfaceError({ tag: 'other', val: `invalid topic "${topic}": topics are non-empty and have no + or # wildcards` });
    }
    if (!mayPublish(ctx.grants, topic)) {
      warn(`${what} to "${topic}" denied: not matched by grants.messaging.publish`);
      throw interfaceError({ tag: 'permission-denied', val: `${what} to "${topic}" is not granted to this workload` });
    }
  }

  function busCall<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof WasmhostError && error.code === 'bad-input') throw interfaceError({ tag: 'other', val: error.message });
      throw interfaceError({ tag: 'connection', val: error instanceof Error ? error.message : String(error) });
    }
  }

  return {
    'wasi:messaging/types': { Client, Message },
    'wasi:messaging/producer': {
      send(c: Client, topic: string, message: Message): void {
        checkSend(c, topic, 'publishing');
        busCall(() => bus.publish(topic, message.data(), message.publishOptions()));
      },
    },
    'wasi:messaging/request-reply': {
      RequestOptions,
      request(c: Client, topic: string, message: Message, options: RequestOptions | undefined): Message[] {
        checkSend(c, topic, 'a request');
        const requestSync = bus.requestSync?.bind(bus);
        if (!requestSync) {
          throw interfaceError({ tag: 'other', val: 'request-reply is not available on this bus: it answers asynchronously, and imports cannot wait for it yet' });
        }
        const replies = busCall(() => requestSync(topic, message.data(), { ...message.publishOptions(), expectedReplies: options?.expectedReplies || undefined }));
        if (replies.length === 0) {
          warn(`a request to "${topic}" got no reply: on this host only responders that answer at once (in-process subscribers) can reply`);
          throw interfaceError({ tag: 'timeout' });
        }
        return replies.map(Message.received);
      },
      reply(replyTo: Message, message: Message): void {
        const address = replyTo.replyTo;
        if (address === undefined) throw interfaceError({ tag: 'other', val: 'this message has no reply address: it was not sent as a request' });
        busCall(() => bus.publish(address, message.data(), message.publishOptions()));
      },
    },
  };
}
