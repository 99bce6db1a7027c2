// Test page for test/host-browser/mqtt-transport.test.ts: drives createWebSocketMqttTransport
// inside Chromium. The test calls `globalThis.mqttPage.*` through page.evaluate; every result
// is plain data (payloads as text, errors as {code, message}).
import { createWebSocketMqttTransport, type WebSocketMqttTransportOptions } from '../../../host-browser/mqtt-transport.js';
import type { MqttPublishOptions, MqttQos, MqttTransport } from '../../../src/ports/mqtt-transport.js';

/** A received message as the test sees it. */
export interface PageMessage { topic: string; text: string; bytes: number[]; qos: MqttQos; retain: boolean }
/** A failure as the test sees it. */
export interface PageError { code: string; message: string }
type Outcome = { ok: true } | { ok: false; error: PageError };

interface Client { transport: MqttTransport; messages: PageMessage[]; events: string[] }
const clients = new Map<string, Client>();

const failure = (error: unknown): Outcome => ({
  ok: false,
  error: { code: String((error as { code?: unknown }).code ?? 'none'), message: error instanceof Error ? error.message : String(error) },
});
const settle = (work: () => Promise<unknown>): Promise<Outcome> => work().then(() => ({ ok: true as const }), failure);
const client = (name: string): Client => {
  const found = clients.get(name);
  if (!found) throw new Error(`no client ${name}`);
  return found;
};

const api = {
  /** Creates a transport called `name` (will payload as text) and connects it. */
  open(name: string, options: Omit<WebSocketMqttTransportOptions, 'will'> & { will?: { topic: string; text: string; qos?: MqttQos; retain?: boolean } }): Promise<Outcome> {
    const { will, ...rest } = options;
    const transport = createWebSocketMqttTransport({
      ...rest,
      will: will && { topic: will.topic, payload: new TextEncoder().encode(will.text), qos: will.qos, retain: will.retain },
    });
    const entry: Client = { transport, messages: [], events: [] };
    clients.set(name, entry);
    transport.onMessage((m) => entry.messages.push({ topic: m.topic, text: new TextDecoder().decode(m.payload), bytes: [...m.payload], qos: m.qos, retain: m.retain }));
    transport.onConnectionChange((e) => entry.events.push(e.state));
    return settle(() => transport.connect());
  },
  subscribe: (name: string, filter: string, qos: MqttQos) => settle(() => client(name).transport.subscribe(filter, { qos })),
  unsubscribe: (name: string, filter: string) => settle(() => client(name).transport.unsubscribe(filter)),
  publish: (name: string, topic: string, bytes: number[], options: MqttPublishOptions) =>
    settle(() => client(name).transport.publish(topic, new Uint8Array(bytes), options)),
  close: (name: string) => settle(() => client(name).transport.close()),
  state: (name: string) => {
    const { transport, messages, events } = client(name);
    return { connected: transport.connected, protocolVersion: transport.protocolVersion, messages, events };
  },
};

/** What the page offers the test. */
export type MqttPageApi = typeof api;
(globalThis as unknown as { mqttPage: MqttPageApi }).mqttPage = api;
