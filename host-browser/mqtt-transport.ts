// The browser host's MqttTransport: MQTT over WebSocket (`ws://`, `wss://`) with mqtt.js's
// browser build. The transport itself is the platform-neutral src/bridge/mqttjs-transport.ts,
// the same one the Node host uses; only the client factory differs.

// The ES module build esbuild also picks for `mqtt` with platform browser. Imported by path
// because mqtt.js's own d.ts is Node-typed and would bring Node's globals into the browser
// type check; the client is typed by MqttJsClient instead.
// @ts-expect-error TS7016: dist/mqtt.esm.js has no declarations of its own
import mqtt from 'mqtt/dist/mqtt.esm';
import { createMqttJsTransport, type MqttJsClient, type MqttJsClientOptions, type MqttJsTransportOptions } from '../src/bridge/mqttjs-transport.js';
import type { MqttTransport } from '../src/ports/mqtt-transport.js';

/** Where and how to connect: `url` is `ws://host:port[/path]` or `wss://…`; the rest as on Node (no TLS files: the browser does TLS). */
export type WebSocketMqttTransportOptions = MqttJsTransportOptions;

const connectMqtt = (mqtt as { connect(url: string, options: MqttJsClientOptions): MqttJsClient }).connect;

/** An MQTT client over WebSocket, reconnecting by itself, with the Node transport's semantics. */
export function createWebSocketMqttTransport(options: WebSocketMqttTransportOptions): MqttTransport {
  return createMqttJsTransport(options, {
    schemes: ['ws:', 'wss:'],
    connect: (url, clientOptions) => connectMqtt(url, clientOptions),
    // mqtt.js's browser build writes any Uint8Array (its stream turns them into its own Buffers).
    bytes: (data) => data,
  });
}
