// The message-bus port: what wasi:messaging and message triggers need from a transport.
// Topics are MQTT-style: `/`-separated levels; subscription filters may use `+` (one
// level) and `#` (the rest, last level only). As in MQTT, a filter that starts with a
// wildcard does not match a topic that starts with `$` (reply inboxes live there).
// Adapters: in-process (src/memory/memory-bus.ts); MQTT arrives later.

/** Key-value pairs attached to a message (MQTT 5 user properties, NATS headers…). */
export type BusMetadata = readonly (readonly [string, string])[];

/** One message as a bus delivers it. */
export interface BusMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly contentType?: string;
  readonly metadata?: BusMetadata;
  /** Where a responder publishes its answer; set on messages sent by `request`. */
  readonly replyTo?: string;
}

/** Optional parts of a published message. */
export interface PublishOptions {
  contentType?: string;
  metadata?: BusMetadata;
  /** Reply address for a request made by hand; `request` sets its own. */
  replyTo?: string;
}

/** How long to wait for answers, and how many. */
export interface RequestOptions extends Omit<PublishOptions, 'replyTo'> {
  /** Give up after this long and resolve with what arrived (possibly nothing). */
  timeoutMs: number;
  /** Resolve as soon as this many replies arrived (default 1). */
  expectedReplies?: number;
}

/** Receives each message that matches a subscription. It should not throw; a bus reports what it throws and goes on. */
export type MessageHandler = (message: BusMessage) => void;

/** Ends a subscription; calling it again does nothing. */
export type Unsubscribe = () => void;

/** A publish/subscribe transport with request-reply, shared by the workloads of one host. */
export interface MessageBus {
  /** Sends a message; throws a `bad-input` WasmhostError for an empty topic or one with wildcards. */
  publish(topic: string, payload: Uint8Array, options?: PublishOptions): void;
  /**
   * Calls `handler` for each later message whose topic matches one of `filters`, once per
   * message even when several filters match. Messages reach a subscriber in publish order.
   */
  subscribe(filters: string | readonly string[], handler: MessageHandler): Unsubscribe;
  /**
   * Publishes with a fresh reply address and resolves with the replies published to it:
   * `expectedReplies` of them, or those that arrived before `timeoutMs` (empty when none did).
   */
  request(topic: string, payload: Uint8Array, options: RequestOptions): Promise<BusMessage[]>;
  /**
   * Capability flag: a request answered without waiting. Returns the replies that responders
   * published while the request was being delivered (synchronously, e.g. other in-process
   * workloads); empty when none answered that way. Synchronous component imports use it:
   * a bus without it cannot serve `wasi:messaging/request-reply` until imports can block.
   */
  requestSync?(topic: string, payload: Uint8Array, options?: Omit<RequestOptions, 'timeoutMs'>): BusMessage[];
}
