// The page's broker connection and the bridge on it. With `wasmhost serve` the page logs in
// with a credential of its own (POST /session), renewed by itself when the broker refuses it.
import { createBridge, type Bridge } from '../src/bridge/bridge.js';
import type { PageConfig } from './browser-device-agent.js';
import { createWebSocketMqttTransport } from './mqtt-transport.js';
import { forgetCredential, requestCredential, storedCredential } from './page-session.js';
import { createRenewingTransport, type RenewingTransport } from './renewing-transport.js';
import type { Telemetry } from '../src/telemetry/telemetry.js';

/** The broker connection and the bridge on it; `close` ends both. */
export interface BrokerLink { transport: RenewingTransport; bridge: Bridge; close(): Promise<void> }

/**
 * Connects to the broker the server named (or `?broker=` names). Without one the page still
 * runs workloads, with an in-page bus and no peers. A broker that cannot be reached is
 * reported and the page goes on without it. `onChange` hears connection changes and problems.
 */
export async function connectBroker(config: PageConfig, pageUrl: URL, id: string, say: (line: string) => void, onChange: () => void, telemetry?: Telemetry): Promise<BrokerLink | undefined> {
  const asked = pageUrl.searchParams.get('broker');
  const broker = asked ? { url: asked } : config.broker;
  if (!broker) return undefined;
  const url = broker.url ?? `${pageUrl.protocol === 'https:' ? 'wss:' : 'ws:'}//${pageUrl.host}${broker.path ?? '/mqtt'}`;
  const sessionPath = 'session' in broker ? broker.session : undefined;
  let initial;
  try {
    // The stored credential, or (none yet) a first one asked for before connecting.
    initial = sessionPath ? storedCredential(id) ?? (await requestCredential(sessionPath, pageUrl, id)) : undefined;
  } catch (error) {
    say(`could not connect to the broker at ${url}: ${(error as Error).message}; running without peers`);
    return undefined;
  }
  const transport = createRenewingTransport({
    open: (own) => createWebSocketMqttTransport({
      url, username: own?.username ?? broker.username, password: own?.password ?? broker.password, protocolVersion: broker.protocolVersion ?? 4,
      clientId: own?.clientId ?? `${id}-${Math.random().toString(36).slice(2, 8)}`, connectTimeoutMs: 8000,
    }),
    initial,
    renew: sessionPath ? () => requestCredential(sessionPath, pageUrl, id) : undefined,
    onRefused: () => forgetCredential(id),
    say,
    onProblem: onChange,
  });
  try {
    await transport.connect();
    const bridge = await createBridge({ transport, root: broker.root, log: say, telemetry });
    const own = sessionPath ? storedCredential(id) : undefined;
    say(`connected to ${url}${own ? ` as ${own.username} (peers: ${own.peers.join(', ') || 'none'})` : ''}`);
    transport.onConnectionChange(onChange);
    return {
      transport, bridge,
      async close() {
        await bridge.close();
        await transport.close();
      },
    };
  } catch (error) {
    await transport.close().catch(() => undefined);
    say(`could not connect to the broker at ${url}: ${(error as Error).message}; running without peers`);
    return undefined;
  }
}
