import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { connect as mqttConnect, type IClientOptions, type IClientPublishOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { WasmhostError } from '../src/errors.js';
import type {
  MqttConnectionEvent, MqttMessage, MqttProperties, MqttProtocolVersion, MqttPublishOptions, MqttQos,
  MqttSubscribeOptions, MqttTransport, MqttWill,
} from '../src/ports/mqtt-transport.js';

/** Where and how to connect. */
export interface MqttTransportOptions {
  /** `mqtt://host:port` or `mqtts://host:port` (TLS). */
  url: string;
  username?: string;
  password?: string;
  /** TLS: trusted CA certificates (PEM), and the client's own certificate and key for mutual TLS. */
  ca?: string | Uint8Array;
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
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

const DENIED_CODES = new Set([4, 5, 134, 135, 138]);
const VERSION_CODES = new Set([1, 132]);
const URL_PROTOCOLS = ['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ssl:', 'ws:', 'wss:'];

/** An MQTT client over mqtt.js, with TCP_NODELAY set on every (re)connection. */
export function createMqttTransport(options: MqttTransportOptions): MqttTransport {
  const protocolVersion = options.protocolVersion ?? 5;
  const minDelay = options.reconnectMinMs ?? 200;
  const maxDelay = Math.max(minDelay, options.reconnectMaxMs ?? 10_000);
  const messageHandlers = new Set<(m: MqttMessage) => void>();
  const connectionListeners = new Set<(e: MqttConnectionEvent) => void>();
  let client: MqttClient | undefined;
  let closing = false;
  /** The error behind the current disconnection, and the latest one seen (for the connect timeout). */
  let lastError: Error | undefined;
  let latestError: Error | undefined;
  let abandonConnect: ((error: WasmhostError) => void) | undefined;
  /** Publishes waiting for the broker's acknowledgement; close() gives them a moment. */
  const unacknowledged = new Set<Promise<void>>();

  const emit = (event: MqttConnectionEvent) => connectionListeners.forEach((listener) => guarded(() => listener(event), `a connection listener (${event.state})`));
  const live = (what: string): MqttClient => {
    if (!client) throw new WasmhostError('bad-input', `MQTT ${what} before connect(): call connect() on the transport first`);
    if (closing) throw new WasmhostError('io', `MQTT ${what} after close(): the transport to ${options.url} is closed`);
    return client;
  };

  function clientOptions(): IClientOptions {
    const opts: IClientOptions = {
      protocolVersion,
      clientId: options.clientId ?? `wasmhost-${randomUUID().slice(0, 8)}`,
      clean: options.clean ?? true,
      username: options.username,
      password: options.password,
      reconnectPeriod: minDelay,
      reconnectOnConnackError: true,
      connectTimeout: options.connectTimeoutMs ?? 30_000,
      keepalive: options.keepaliveSeconds ?? 30,
      resubscribe: true,
    };
    if (options.ca !== undefined) opts.ca = bufferOrString(options.ca);
    if (options.cert !== undefined) opts.cert = bufferOrString(options.cert);
    if (options.key !== undefined) opts.key = bufferOrString(options.key);
    if (protocolVersion === 5 && opts.clean === false) opts.properties = { sessionExpiryInterval: options.sessionExpirySeconds ?? 3600 };
    if (options.will) {
      const { topic, payload, qos = 1, retain = false } = options.will;
      opts.will = { topic, payload: Buffer.from(payload), qos, retain };
    }
    return opts;
  }

  function attach(c: MqttClient): void {
    c.on('connect', (connack) => {
      (c.stream as Partial<Socket>).setNoDelay?.(true);
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

  const transport: MqttTransport = {
    protocolVersion,
    get connected() {
      return client?.connected === true && !closing;
    },
    connect() {
      if (client) return Promise.reject(new WasmhostError('bad-input', `connect() was already called on the transport to ${options.url}`));
      let c: MqttClient;
      try {
        const { protocol } = new URL(options.url);
        if (!URL_PROTOCOLS.includes(protocol)) throw new Error(`the scheme must be one of ${URL_PROTOCOLS.join(' ')}`);
        c = mqttConnect(options.url, clientOptions());
      } catch (error) {
        return Promise.reject(new WasmhostError('bad-input', `cannot connect to MQTT broker "${options.url}": ${(error as Error).message}`, { cause: error }));
      }
      client = c;
      attach(c);
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
          fail(new WasmhostError('io', `MQTT broker ${options.url} not reachable within ${options.connectTimeoutMs ?? 30_000} ms${why}`, { cause: latestError }));
        }, options.connectTimeoutMs ?? 30_000);
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
    },
    publish(topic, payload, opts: MqttPublishOptions = {}) {
      const sent = new Promise<void>((resolve, reject) => {
        const c = live('publish');
        const publishOptions: IClientPublishOptions = { qos: opts.qos ?? 1, retain: opts.retain ?? false };
        if (opts.properties && Object.values(opts.properties).some((v) => v !== undefined)) {
          if (protocolVersion !== 5) throw new WasmhostError('unsupported', `MQTT 3.1.1 cannot carry properties (publish to ${topic}); connect with protocolVersion 5`);
          publishOptions.properties = toPacketProperties(opts.properties);
        }
        c.publish(topic, Buffer.from(payload), publishOptions, (error) => {
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
        let timer: ReturnType<typeof setTimeout> | undefined;
        const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.closeTimeoutMs ?? 1000)));
        await Promise.race([Promise.allSettled([...unacknowledged]), waited]);
        clearTimeout(timer);
      }
      // mqtt.js would wait for every acknowledgement before disconnecting, forever if the broker
      // dropped a publish: end what is still waiting.
      for (const [id, pending] of Object.entries(c.outgoing)) {
        delete c.outgoing[Number(id)];
        pending.cb?.(new Error(`the transport to ${options.url} was closed before the broker answered`), undefined as never);
      }
      // A clean DISCONNECT when connected (the broker drops the will); otherwise just stop.
      await new Promise<void>((resolve) => c.end(!c.connected, {}, () => resolve()));
      emit({ state: 'closed' });
    },
  };
  return transport;
}

/** Runs a caller's callback so that what it throws cannot break mqtt.js's packet handling. */
function guarded(run: () => void, what: string): void {
  try {
    run();
  } catch (error) {
    console.error(`MQTT transport: ${what} threw:`, error);
  }
}

function bufferOrString(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : Buffer.from(value);
}

function ackError(error: Error & { code?: unknown }, what: string, url: string, denied = typeof error.code === 'number' && DENIED_CODES.has(error.code)): WasmhostError {
  return new WasmhostError(denied ? 'denied' : 'io', `MQTT ${what} on ${url} failed: ${error.message}`, { cause: error });
}

type PacketProperties = NonNullable<IClientPublishOptions['properties']>;

function toPacketProperties(p: Omit<MqttProperties, 'subscriptionIdentifiers'>): PacketProperties {
  const out: PacketProperties = {};
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = Buffer.from(p.correlationData);
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.userProperties?.length) {
    const user: Record<string, string[]> = {};
    for (const [k, v] of p.userProperties) (user[k] ??= []).push(v);
    out.userProperties = user;
  }
  return out;
}

function toMessage(topic: string, payload: Buffer, packet: IPublishPacket): MqttMessage {
  const message: { -readonly [K in keyof MqttMessage]: MqttMessage[K] } = {
    topic,
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
