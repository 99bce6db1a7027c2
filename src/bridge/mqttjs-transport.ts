// The MqttTransport port over an mqtt.js client, for every platform: the Node host injects
// mqtt.js over TCP/TLS (host-node/mqtt-transport.ts), the browser host mqtt.js's browser build
// over WebSocket (host-browser/mqtt-transport.ts). This file does not import mqtt.js (its d.ts
// is Node-typed): the client is injected and typed by the few methods and events used here.

import { WasmhostError } from '../errors.js';
import type {
  MqttConnectionEvent, MqttMessage, MqttProperties, MqttProtocolVersion, MqttPublishOptions, MqttQos,
  MqttSubscribeOptions, MqttTransport, MqttWill,
} from '../ports/mqtt-transport.js';

/** Where and how to connect, on any platform. */
export interface MqttJsTransportOptions {
  /** The broker, e.g. `mqtt://host:port`, `mqtts://…`, `ws://host:port`, `wss://…` (the platform decides which schemes it opens). */
  url: string;
  username?: string;
  password?: string;
  /** Default: `wasmhost-` and a random suffix. A persistent session needs a fixed one. */
  clientId?: string;
  will?: MqttWill;
  /** Default 5. aedes 1.2 (the embedded broker) speaks only 4, MQTT 3.1.1. */
  protocolVersion?: MqttProtocolVersion;
  /** False keeps the session (subscriptions, queued QoS ≥ 1 messages) across disconnects (default true). */
  clean?: boolean;
  /** MQTT 5, with `clean: false`: how long the broker keeps the session after a disconnect (default 1 hour). */
  sessionExpirySeconds?: number;
  /** The first connection must come up within this (default 30 s). */
  connectTimeoutMs?: number;
  /** close() waits this long for unacknowledged publishes before disconnecting (default 1 s). */
  closeTimeoutMs?: number;
  /** Reconnect backoff: the first delay, doubled after each failed attempt up to the maximum (defaults 200 ms, 10 s). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  keepaliveSeconds?: number;
}

/** The mqtt.js client options this adapter sets; a host adds its platform's own (TLS files). `B`: the platform's bytes type (Node: Buffer). */
export interface MqttJsClientOptions<B extends Uint8Array = Uint8Array> {
  protocolVersion: MqttProtocolVersion;
  clientId: string;
  clean: boolean;
  username?: string;
  password?: string;
  reconnectPeriod: number;
  reconnectOnConnackError: boolean;
  connectTimeout: number;
  keepalive: number;
  resubscribe: boolean;
  properties?: { sessionExpiryInterval: number };
  will?: { topic: string; payload: B; qos: MqttQos; retain: boolean };
}

/** The fields of a received PUBLISH packet this adapter reads. */
export interface MqttJsPublishPacket {
  qos: number;
  retain: boolean;
  properties?: {
    responseTopic?: string;
    correlationData?: Uint8Array;
    contentType?: string;
    userProperties?: Record<string, string | string[]>;
    subscriptionIdentifier?: number | number[];
  };
}

/** The MQTT 5 properties this adapter sends with a PUBLISH. */
export interface MqttJsPublishProperties<B extends Uint8Array = Uint8Array> {
  responseTopic?: string;
  correlationData?: B;
  contentType?: string;
  userProperties?: Record<string, string[]>;
}

type Callback = (error?: Error) => void;

/** The part of an mqtt.js `MqttClient` (5.x) this adapter uses; it sends `B`s (Node: Buffers). */
export interface MqttJsClient<B extends Uint8Array = Uint8Array> {
  readonly connected: boolean;
  readonly options: { reconnectPeriod?: number };
  /** The underlying socket or stream (Node: a net.Socket, for TCP_NODELAY). */
  readonly stream: unknown;
  /** Packets waiting for the broker's acknowledgement, by message id. */
  readonly outgoing: Record<number, { cb?: (error: Error) => void }>;
  on(event: 'connect', listener: (connack: { sessionPresent: boolean }) => void): unknown;
  on(event: 'error', listener: (error: Error & { code?: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'message', listener: (topic: string, payload: Uint8Array, packet: MqttJsPublishPacket) => void): unknown;
  off(event: 'connect' | 'error', listener: (...args: never[]) => void): unknown;
  publish(topic: string, payload: B, options: { qos: MqttQos; retain: boolean; properties?: MqttJsPublishProperties<B> }, callback: Callback): unknown;
  subscribe(
    filters: string | string[],
    options: { qos: MqttQos; properties?: { subscriptionIdentifier: number } },
    callback: (error: Error | null, granted?: unknown, suback?: { granted?: readonly unknown[] }) => void,
  ): unknown;
  unsubscribe(filters: string | string[], callback: Callback): unknown;
  end(force: boolean, options: object, callback: () => void): unknown;
}

/** What a host supplies: how to open an mqtt.js client on its platform, which sends `B`s. */
export interface MqttJsPlatform<B extends Uint8Array> {
  /** URL schemes this platform can open, with the colon (`'ws:'`). */
  schemes: readonly string[];
  /** Opens the client (mqtt.js `connect`); the host converts what its mqtt.js build needs (Buffers) and adds its own options. */
  connect(url: string, options: MqttJsClientOptions<B>): MqttJsClient<B>;
  /** Called on every (re)connection, e.g. to set TCP_NODELAY on the socket. */
  onConnected?(client: MqttJsClient<B>): void;
  /** Outgoing payloads and binary properties as this platform's mqtt.js wants them (Node: a Buffer over the same memory). */
  bytes(data: Uint8Array): B;
}

const DENIED_CODES = new Set([4, 5, 134, 135, 138]);
const VERSION_CODES = new Set([1, 132]);

/** An MqttTransport over an mqtt.js client opened by `platform`. */
export function createMqttJsTransport<B extends Uint8Array>(options: MqttJsTransportOptions, platform: MqttJsPlatform<B>): MqttTransport {
  const protocolVersion = options.protocolVersion ?? 5;
  const minDelay = options.reconnectMinMs ?? 200;
  const maxDelay = Math.max(minDelay, options.reconnectMaxMs ?? 10_000);
  const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  const bytes = (data: Uint8Array): B => platform.bytes(data);
  const messageHandlers = new Set<(m: MqttMessage) => void>();
  const connectionListeners = new Set<(e: MqttConnectionEvent) => void>();
  let client: MqttJsClient<B> | undefined;
  let closing = false;
  /** The error behind the current disconnection, and the latest one seen (for the connect timeout). */
  let lastError: Error | undefined;
  let latestError: Error | undefined;
  let abandonConnect: ((error: WasmhostError) => void) | undefined;
  /** Publishes waiting for the broker's acknowledgement; close() gives them a moment. */
  const unacknowledged = new Set<Promise<void>>();

  const emit = (event: MqttConnectionEvent) => connectionListeners.forEach((listener) => guarded(() => listener(event), `a connection listener (${event.state})`));
  const live = (what: string): MqttJsClient<B> => {
    if (!client) throw new WasmhostError('bad-input', `MQTT ${what} before connect(): call connect() on the transport first`);
    if (closing) throw new WasmhostError('io', `MQTT ${what} after close(): the transport to ${options.url} is closed`);
    return client;
  };

  function clientOptions(): MqttJsClientOptions<B> {
    const opts: MqttJsClientOptions<B> = {
      protocolVersion,
      clientId: options.clientId ?? `wasmhost-${randomSuffix()}`,
      clean: options.clean ?? true,
      username: options.username,
      password: options.password,
      reconnectPeriod: minDelay,
      reconnectOnConnackError: true,
      connectTimeout: connectTimeoutMs,
      keepalive: options.keepaliveSeconds ?? 30,
      resubscribe: true,
    };
    if (protocolVersion === 5 && !opts.clean) opts.properties = { sessionExpiryInterval: options.sessionExpirySeconds ?? 3600 };
    if (options.will) {
      const { topic, payload, qos = 1, retain = false } = options.will;
      opts.will = { topic, payload: bytes(payload), qos, retain };
    }
    return opts;
  }

  function attach(c: MqttJsClient<B>): void {
    c.on('connect', (connack) => {
      platform.onConnected?.(c);
      c.options.reconnectPeriod = minDelay;
      lastError = undefined;
      emit({ state: 'connected', sessionPresent: connack.sessionPresent });
    });
    c.on('error', (error) => {
      lastError = latestError = error;
    });
    // mqtt.js schedules the next attempt on 'close' with the current period; grow it for the one after.
    c.on('close', () => {
      if (closing) return;
      const retryInMs = c.options.reconnectPeriod ?? minDelay;
      c.options.reconnectPeriod = Math.min(maxDelay, retryInMs * 2);
      emit({ state: 'disconnected', error: lastError, retryInMs });
      lastError = undefined;
    });
    c.on('message', (topic, payload, packet) => {
      const message = toMessage(topic, payload, packet);
      messageHandlers.forEach((handler) => guarded(() => handler(message), `a message handler (${topic})`));
    });
  }

  /** Resolves on the first CONNACK; fails (and closes) on a refusal or at the connect timeout. */
  function firstConnection(c: MqttJsClient<B>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const fail = (error: WasmhostError) => {
        cleanup();
        void transport.close().then(() => reject(error));
      };
      const onConnect = () => {
        cleanup();
        resolve();
      };
      const onError = (error: Error & { code?: unknown }) => {
        const code = typeof error.code === 'number' ? error.code : undefined;
        if (code === undefined) return; // a network error: keep retrying until the timeout
        const kind = DENIED_CODES.has(code) ? 'denied' : VERSION_CODES.has(code) ? 'unsupported' : 'io';
        const hint = kind === 'unsupported' ? ` (this transport asked for protocol version ${protocolVersion}; aedes 1.2 speaks only 4)` : '';
        fail(new WasmhostError(kind, `MQTT broker ${options.url} refused the connection: ${error.message}${hint}`, { cause: error }));
      };
      const timer = setTimeout(() => {
        const why = latestError ? `: ${latestError.message}` : '';
        fail(new WasmhostError('io', `MQTT broker ${options.url} not reachable within ${connectTimeoutMs} ms${why}`, { cause: latestError }));
      }, connectTimeoutMs);
      abandonConnect = (error) => {
        cleanup();
        reject(error);
      };
      const cleanup = () => {
        abandonConnect = undefined;
        clearTimeout(timer);
        c.off('connect', onConnect);
        c.off('error', onError);
      };
      c.on('connect', onConnect);
      c.on('error', onError);
    });
  }

  const transport: MqttTransport = {
    protocolVersion,
    get connected() {
      return client?.connected === true && !closing;
    },
    connect() {
      if (client) return Promise.reject(new WasmhostError('bad-input', `connect() was already called on the transport to ${options.url}`));
      let c: MqttJsClient<B>;
      try {
        const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(options.url)?.[1]?.toLowerCase();
        if (!scheme || !platform.schemes.includes(scheme)) throw new Error(`the scheme must be one of ${platform.schemes.join(' ')}`);
        c = platform.connect(options.url, clientOptions());
      } catch (error) {
        return Promise.reject(new WasmhostError('bad-input', `cannot connect to MQTT broker "${options.url}": ${(error as Error).message}`, { cause: error }));
      }
      client = c;
      attach(c);
      return firstConnection(c);
    },
    publish(topic, payload, opts: MqttPublishOptions = {}) {
      const sent = new Promise<void>((resolve, reject) => {
        const c = live('publish');
        const publishOptions: { qos: MqttQos; retain: boolean; properties?: MqttJsPublishProperties<B> } = { qos: opts.qos ?? 1, retain: opts.retain ?? false };
        if (opts.properties && Object.values(opts.properties).some((v) => v !== undefined)) {
          if (protocolVersion !== 5) throw new WasmhostError('unsupported', `MQTT 3.1.1 cannot carry properties (publish to ${topic}); connect with protocolVersion 5`);
          publishOptions.properties = toPacketProperties(opts.properties, bytes);
        }
        c.publish(topic, bytes(payload), publishOptions, (error) => {
          if (error) reject(ackError(error, `publish to ${topic}`, options.url));
          else resolve();
        });
      });
      const tracked = sent.catch(() => {}).finally(() => unacknowledged.delete(tracked));
      unacknowledged.add(tracked);
      return sent;
    },
    subscribe(filters, opts: MqttSubscribeOptions = {}) {
      return new Promise<void>((resolve, reject) => {
        const c = live('subscribe');
        const qos = opts.qos ?? 1;
        let properties: { subscriptionIdentifier: number } | undefined;
        if (opts.subscriptionIdentifier !== undefined) {
          if (protocolVersion !== 5) throw new WasmhostError('unsupported', 'MQTT 3.1.1 has no subscription identifiers; connect with protocolVersion 5');
          properties = { subscriptionIdentifier: opts.subscriptionIdentifier };
        }
        c.subscribe(typeof filters === 'string' ? filters : [...filters], { qos, properties }, (error, _granted, suback) => {
          if (!error) return resolve();
          // MQTT 3.1.1 refuses a subscription with one code, 0x80, which brokers use for authorization.
          const codes = (suback?.granted ?? []).filter((g) => typeof g === 'number') as number[];
          const denied = codes.some((code) => DENIED_CODES.has(code) || (protocolVersion === 4 && code === 0x80));
          reject(ackError(error, `subscribe to ${String(filters)}`, options.url, denied));
        });
      });
    },
    unsubscribe(filters) {
      return new Promise<void>((resolve, reject) => {
        live('unsubscribe').unsubscribe(typeof filters === 'string' ? filters : [...filters], (error) => {
          if (error) reject(ackError(error, `unsubscribe from ${String(filters)}`, options.url));
          else resolve();
        });
      });
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
      if (closing || !client) {
        closing = true;
        return;
      }
      closing = true;
      abandonConnect?.(new WasmhostError('io', `the transport to ${options.url} was closed before it connected`));
      const c = client;
      if (c.connected && unacknowledged.size > 0) {
        let timer: unknown;
        const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.closeTimeoutMs ?? 1000)));
        await Promise.race([Promise.allSettled([...unacknowledged]), waited]);
        clearTimeout(timer);
      }
      // mqtt.js would wait for every acknowledgement before disconnecting, forever if the broker
      // dropped a publish: end what is still waiting.
      for (const [id, pending] of Object.entries(c.outgoing)) {
        delete c.outgoing[Number(id)];
        pending.cb?.(new Error(`the transport to ${options.url} was closed before the broker answered`));
      }
      // A clean DISCONNECT when connected (the broker drops the will); otherwise just stop.
      await new Promise<void>((resolve) => c.end(!c.connected, {}, () => resolve()));
      emit({ state: 'closed' });
    },
  };
  return transport;
}

/** Eight random hex digits, for a client id. */
function randomSuffix(): string {
  const [n] = crypto.getRandomValues(new Uint32Array(1));
  return n.toString(16).padStart(8, '0');
}

/** Runs a caller's callback so that what it throws cannot break mqtt.js's packet handling. */
function guarded(run: () => void, what: string): void {
  try {
    run();
  } catch (error) {
    console.error(`MQTT transport: ${what} threw:`, error);
  }
}

function ackError(error: Error & { code?: unknown }, what: string, url: string, denied = typeof error.code === 'number' && DENIED_CODES.has(error.code)): WasmhostError {
  return new WasmhostError(denied ? 'denied' : 'io', `MQTT ${what} on ${url} failed: ${error.message}`, { cause: error });
}

function toPacketProperties<B extends Uint8Array>(p: Omit<MqttProperties, 'subscriptionIdentifiers'>, bytes: (data: Uint8Array) => B): MqttJsPublishProperties<B> {
  const out: MqttJsPublishProperties<B> = {};
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = bytes(p.correlationData);
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.userProperties?.length) {
    const user: Record<string, string[]> = {};
    for (const [k, v] of p.userProperties) (user[k] ??= []).push(v);
    out.userProperties = user;
  }
  return out;
}

function toMessage(topic: string, payload: Uint8Array, packet: MqttJsPublishPacket): MqttMessage {
  const message: { -readonly [K in keyof MqttMessage]: MqttMessage[K] } = {
    topic,
    // mqtt.js gives a Buffer (a Uint8Array subclass): hand out a plain view of the same bytes.
    payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength),
    qos: packet.qos as MqttQos,
    retain: packet.retain,
  };
  const p = packet.properties;
  if (!p) return message;
  const properties: MqttProperties = {};
  if (p.responseTopic !== undefined) properties.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) properties.correlationData = new Uint8Array(p.correlationData);
  if (p.contentType !== undefined) properties.contentType = p.contentType;
  if (p.userProperties !== undefined) {
    properties.userProperties = Object.entries(p.userProperties).flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((one) => [k, String(one)] as const));
  }
  if (p.subscriptionIdentifier !== undefined) {
    const ids = p.subscriptionIdentifier;
    properties.subscriptionIdentifiers = Array.isArray(ids) ? ids : [ids];
  }
  message.properties = properties;
  return message;
}
