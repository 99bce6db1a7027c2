// The Node host's MqttTransport: mqtt.js over TCP or TLS (or WebSocket), with TCP_NODELAY on
// every connection. The transport itself is the platform-neutral src/bridge/mqttjs-transport.ts.
import type { Socket } from 'node:net';
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import { createMqttJsTransport, type MqttJsClient, type MqttJsClientOptions, type MqttJsTransportOptions } from '../src/bridge/mqttjs-transport.js';
import type { MqttTransport } from '../src/ports/mqtt-transport.js';

/** Where and how to connect: the common options, and TLS files. */
export interface MqttTransportOptions extends MqttJsTransportOptions {
  /** `mqtt://host:port` or `mqtts://host:port` (TLS); `ws://` and `wss://` work too. */
  url: string;
  /** TLS: trusted CA certificates (PEM), and the client's own certificate and key for mutual TLS. */
  ca?: string | Uint8Array;
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
}

const SCHEMES = ['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ssl:', 'ws:', 'wss:'];

/** An MQTT client over mqtt.js, with TCP_NODELAY set on every (re)connection. */
export function createMqttTransport(options: MqttTransportOptions): MqttTransport {
  return createMqttJsTransport(options, {
    schemes: SCHEMES,
    connect(url: string, common: MqttJsClientOptions<Buffer>): MqttJsClient<Buffer> {
      const opts: IClientOptions = { ...common };
      if (options.ca !== undefined) opts.ca = bufferOrString(options.ca);
      if (options.cert !== undefined) opts.cert = bufferOrString(options.cert);
      if (options.key !== undefined) opts.key = bufferOrString(options.key);
      const client: MqttClient = mqttConnect(url, opts);
      return client;
    },
    onConnected(client) {
      (client.stream as Partial<Socket>).setNoDelay?.(true);
    },
    bytes: toBuffer,
  });
}

/** A Buffer over the same memory (mqtt.js checks `Buffer.isBuffer`). */
function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function bufferOrString(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : toBuffer(value);
}
