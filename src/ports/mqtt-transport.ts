// The MQTT transport port: one client connection to a broker, as the bridge and the MQTT
// message bus need it. Adapters: host-node/mqtt-transport.ts (mqtt.js over TCP/TLS) and
// host-browser/mqtt-transport.ts (over WebSocket), both on src/bridge/mqttjs-transport.ts.
// Payloads are bytes; topics and filters follow MQTT (`+`, `#`, the `$` rule).

/** MQTT 3.1.1 (4) or MQTT 5 (5). */
export type MqttProtocolVersion = 4 | 5;

/** Delivery guarantee of one message. */
export type MqttQos = 0 | 1 | 2;

/** The MQTT 5 properties the host uses; an MQTT 3.1.1 connection carries none of them. */
export interface MqttProperties {
  /** Where the receiver should publish its answer. */
  responseTopic?: string;
  /** Opaque bytes the answer carries back, to pair it with its request. */
  correlationData?: Uint8Array;
  /** A MIME type for the payload, e.g. `application/cbor`. */
  contentType?: string;
  /** Key-value pairs; a key may repeat. */
  userProperties?: readonly (readonly [string, string])[];
  /** Received only: the identifiers of the subscriptions this copy was delivered for. */
  subscriptionIdentifiers?: readonly number[];
}

/** How to publish one message (default QoS 1, not retained). */
export interface MqttPublishOptions {
  qos?: MqttQos;
  retain?: boolean;
  properties?: Omit<MqttProperties, 'subscriptionIdentifiers'>;
}

/** How to subscribe (default QoS 1). */
export interface MqttSubscribeOptions {
  qos?: MqttQos;
  /** MQTT 5: tag the subscription so deliveries say which subscriptions they match (1 to 268435455). */
  subscriptionIdentifier?: number;
}

/** One message received from the broker. */
export interface MqttMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: MqttQos;
  /** True when the broker sent it as a retained message, on subscribing. */
  readonly retain: boolean;
  readonly properties?: MqttProperties;
}

/** A change of the connection: connected (again), lost (retrying), or closed for good. */
export type MqttConnectionEvent =
  | { readonly state: 'connected'; readonly sessionPresent: boolean }
  | { readonly state: 'disconnected'; readonly error?: Error; readonly retryInMs: number }
  | { readonly state: 'closed' };

/** The last-will message the broker publishes when the client goes away uncleanly. */
export interface MqttWill {
  topic: string;
  payload: Uint8Array;
  qos?: MqttQos;
  retain?: boolean;
}

/**
 * A client connection that reconnects by itself. Subscriptions are restored after a
 * reconnect unless the broker kept the session; QoS ≥ 1 publishes made while disconnected
 * are sent once connected again.
 */
export interface MqttTransport {
  /** The protocol this transport speaks; MQTT 5 properties are only carried by 5. */
  readonly protocolVersion: MqttProtocolVersion;
  /** True while a connection to the broker is up. */
  readonly connected: boolean;
  /**
   * Opens the first connection. Rejects (and closes the transport) when the broker refuses
   * it (`denied` for bad credentials) or no connection came up within the connect timeout.
   */
  connect(): Promise<void>;
  /** Resolves when the broker acknowledged it (QoS ≥ 1) or it was written (QoS 0); `denied` when the broker refused it. */
  publish(topic: string, payload: Uint8Array, options?: MqttPublishOptions): Promise<void>;
  /** Resolves when the broker granted every filter; `denied` when it refused one. */
  subscribe(filters: string | readonly string[], options?: MqttSubscribeOptions): Promise<void>;
  unsubscribe(filters: string | readonly string[]): Promise<void>;
  /** Calls `handler` for each message received; returns a function that stops it. */
  onMessage(handler: (message: MqttMessage) => void): () => void;
  /** Calls `listener` on each connection change; returns a function that stops it. */
  onConnectionChange(listener: (event: MqttConnectionEvent) => void): () => void;
  /** Disconnects cleanly (no will) and stops reconnecting; calling it again does nothing. */
  close(): Promise<void>;
}
