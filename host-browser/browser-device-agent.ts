// A page as a wasmhost device: the core host and agent on browser ports (IndexedDB, Web
// Workers, MQTT over WebSocket, fetch), the bridge to embedded peers, and the desired-state
// sources a page can follow (a manifest URL, a Margo fleet manager). The UI only reads this.
import { createHost, type Host } from '../src/create-host.js';
import { createAgent, type Agent } from '../src/deploy/agent.js';
import { resolveDesired } from '../src/deploy/desired-documents.js';
import { followFleetManager } from '../src/deploy/wfm-source.js';
import { createWfmClient } from '../src/deploy/wfm-client.js';
import type { DeploymentStatus } from '../src/deploy/types.js';
import { createBridge, type Bridge } from '../src/bridge/bridge.js';
import { createPeerDeviceProvider } from '../src/bridge/peer-device-provider.js';
import { connectedPeers, peerPresence, peerReadings } from '../src/bridge/agent-link.js';
import { createMqttBus } from '../src/bridge/mqtt-bus.js';
import { createDeviceProvider, sensorReader } from '../src/capabilities/device-provider.js';
import type { CapabilityProvider, LogEntry } from '../src/capabilities/provider.js';
import { toDeviceCapabilitiesManifest } from '../src/device/margo-capabilities.js';
import type { DeviceProfile } from '../src/device/profile.js';
import type { Clock } from '../src/ports/agent-ports.js';
import type { MessageBus } from '../src/ports/message-bus.js';
import type { MqttTransport } from '../src/ports/mqtt-transport.js';
import { WasmhostError } from '../src/errors.js';
import type { Telemetry } from '../src/telemetry/telemetry.js';
import { openWasmhostDb } from './idb.js';
import { openIdbStore, type IdbStore } from './idb-store.js';
import { createIdbComponentStore, createIdbStateStore } from './idb-agent-ports.js';
import { createIdbArtifactCache } from './idb-artifact-cache.js';
import { createFetchHttpClient, createFetchPackageFetcher } from './fetch-ports.js';
import { createWebWorkerIsolate } from './web-worker-isolate.js';
import { createBrowserWasiProvider } from './wasi-provider.js';
import { createWebSocketMqttTransport } from './mqtt-transport.js';
import { forgetCredential, requestCredential, storedCredential } from './page-session.js';
import { createBrowserDrivers, type BrowserDrivers } from './browser-sensors.js';
import { browserDeviceId, browserProfile, browserResources } from './browser-device.js';
import { startPageTelemetry } from './page-telemetry.js';

/** What the page is told by the server that serves it (`/config.json`, see `wasmhost serve`). */
export interface PageConfig {
  /** The broker: a `path` on the page's own server (`/mqtt`), or a full `url` (`wss://…`). */
  broker?: { path?: string; url?: string; username?: string; password?: string; protocolVersion?: 4 | 5; root?: string; session?: string };
  /** Where the server offers pre-transpiled artifacts (`/artifacts/`). */
  artifacts?: string;
  /** A fleet manager to follow from the start. */
  wfm?: string;
  /** The operator lets manifests choose `isolation: in-process` (no call time limit); refused otherwise. */
  allowInProcess?: boolean;
  /** An OpenTelemetry collector's OTLP/HTTP base URL (`wasmhost serve --otel`); `?otel=` overrides it. */
  otel?: string;
}

/** Where the desired state comes from; remembered across reloads. */
export type DesiredSource = { kind: 'manifest'; url: string } | { kind: 'wfm'; url: string };

/** Something the page saw: a log line, a published output, an actuator set. */
export interface PageEvent { at: number; kind: 'log' | 'output' | 'actuator' | 'peer' | 'agent'; level: LogEntry['level']; who: string; text: string }

/** The running device, as the UI and tests see it. */
export interface BrowserDevice {
  readonly id: string;
  readonly host: Host;
  readonly agent: Agent;
  readonly bridge?: Bridge;
  readonly drivers: BrowserDrivers;
  /** The broker connection's state, for the UI. */
  brokerState(): 'none' | 'connected' | 'disconnected';
  profile(): DeviceProfile;
  source(): DesiredSource | undefined;
  events(): readonly PageEvent[];
  /** Fetches a manifest (Margo YAML or JSON) and makes it the desired state. */
  deployFromUrl(url: string): Promise<void>;
  /** Follows a Margo fleet manager (polls it, reports statuses and capabilities). */
  followFleetManager(url: string): void;
  /** Removes every deployment and forgets the source. */
  clear(): Promise<void>;
  /** Calls `listener` whenever something shown changes. */
  onChange(listener: () => void): () => void;
  /** Resolves when key-value writes so far are in IndexedDB. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

const SOURCE_KEY = 'wasmhost.source';
const MAX_EVENTS = 300;

const browserClock: Clock = {
  now: () => Date.now(),
  setInterval(callback, ms) {
    const id = setInterval(callback, ms);
    return () => clearInterval(id);
  },
};

/** Starts the device: opens storage, connects the broker (if configured), restores and runs the agent. */
export async function startBrowserDevice(config: PageConfig, pageUrl: URL): Promise<BrowserDevice> {
  const id = browserDeviceId(pageUrl.search);
  const telemetry = await startPageTelemetry(config, pageUrl, id);
  const events: PageEvent[] = [];
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  const note = (e: Omit<PageEvent, 'at'>) => {
    events.push({ at: Date.now(), ...e });
    if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
    changed();
  };
  const log = (e: LogEntry) => note({ kind: e.context === 'agent' || e.workload === 'agent' ? 'agent' : 'log', level: e.level, who: e.workload, text: `${e.context}: ${e.message}` });

  const db = await openWasmhostDb();
  const store: IdbStore = await openIdbStore(db, { onError: (error) => log({ workload: 'device', level: 'error', context: 'storage', message: `a key-value write did not reach IndexedDB: ${error.message}` }) });
  const drivers = await createBrowserDrivers((name, value) => note({ kind: 'actuator', level: 'info', who: name, text: `set to ${value}` }));

  const link = await connectBroker(config, pageUrl, id, (line) => note({ kind: 'peer', level: 'info', who: 'bridge', text: line }), telemetry);
  const providers: CapabilityProvider[] = [createBrowserWasiProvider()];
  providers.push(link ? createPeerDeviceProvider(link.bridge, drivers) : createDeviceProvider(drivers));
  const bus = link ? createMqttBus(link.transport, { onTransportError: (error, action) => log({ workload: 'device', level: 'warn', context: 'mqtt', message: `${action}: ${String(error)}` }) }) : undefined;

  const artifactCache = createIdbArtifactCache(db, {
    remote: config.artifacts ? new URL(config.artifacts, pageUrl).href : undefined,
    onCorrupt: (digest, reason) => log({ workload: 'device', level: 'warn', context: 'cache', message: `artifact ${digest} dropped (${reason}); it will be fetched or transpiled again` }),
    onRemote: (digest, outcome) => log({
      workload: 'device', level: outcome.status === 'failed' ? 'warn' : 'info', context: 'cache',
      message: outcome.status === 'fetched' ? `artifact ${digest.slice(0, 19)}… fetched pre-transpiled from the host in ${Math.round(outcome.ms)} ms`
        : outcome.status === 'absent' ? `the host offers no pre-transpiled artifact for ${digest.slice(0, 19)}…; transpiling in the page`
        : `fetching the pre-transpiled artifact ${digest.slice(0, 19)}… failed (${outcome.error.message}); transpiling in the page`,
    }),
  });
  const host = createHost({
    artifactCache,
    store,
    bus: bus && teeOutputs(bus, (topic, payload) => note({ kind: 'output', level: 'info', who: topic, text: new TextDecoder().decode(payload) })),
    providers,
    isolate: createWebWorkerIsolate({ workerUrl: new URL('./workload-worker.js', import.meta.url) }),
    log,
    // A manifest reaches the page from a URL or a fleet manager: in-process only by the operator's word.
    allowInProcess: config.allowInProcess === true,
    telemetry,
  });
  if (!bus) host.bus.subscribe('#', (m) => note({ kind: 'output', level: 'info', who: m.topic, text: new TextDecoder().decode(m.payload) }));

  const resources = await browserResources();
  const profile = () => browserProfile(id, resources, host.providers, connectedPeers(link?.bridge), telemetry.enabled);
  let fleet: ReturnType<typeof followFleetManager> | undefined;

  const agent = createAgent({
    host,
    deviceId: id,
    fetcher: createFetchPackageFetcher(),
    components: createIdbComponentStore(db),
    state: createIdbStateStore(db),
    clock: browserClock,
    log,
    profile,
    onStatus: (s: DeploymentStatus) => {
      note({ kind: 'agent', level: s.status.state === 'failed' ? 'error' : 'info', who: s.deploymentId, text: `${s.status.state}${s.status.error ? `: ${s.status.error.message}` : ''}` });
      fleet?.reportStatus(s);
    },
    readSensor: sensorReader(drivers),
    subscribeReadings: link && peerReadings(link.bridge),
    peers: link && peerPresence(link.bridge),
  });
  link?.bridge.onPeersChanged(() => {
    fleet?.updateCapabilities(toDeviceCapabilitiesManifest(profile()) as unknown as Record<string, unknown>);
    changed();
  });
  link?.transport.onConnectionChange(() => changed());
  await agent.start();

  let source: DesiredSource | undefined = readSource();
  const follow = (url: string) => {
    fleet?.close();
    fleet = followFleetManager({
      client: createWfmClient({ baseUrl: url, http: createFetchHttpClient() }),
      agent, deviceId: id, baseUrl: url, capabilities: toDeviceCapabilitiesManifest(profile()) as unknown as Record<string, unknown>,
      pollMs: 5000, clock: browserClock, log,
    });
    void fleet.poll().finally(changed);
  };
  const wfm = pageUrl.searchParams.get('wfm') ?? (source?.kind === 'wfm' ? source.url : config.wfm);
  if (wfm) {
    source = { kind: 'wfm', url: wfm };
    writeSource(source);
    follow(wfm);
  }

  const device: BrowserDevice = {
    id, host, agent, drivers,
    bridge: link?.bridge,
    brokerState: () => (!link ? 'none' : link.transport.connected ? 'connected' : 'disconnected'),
    profile,
    source: () => source,
    events: () => events,
    async deployFromUrl(url) {
      const absolute = new URL(url, pageUrl).href;
      let text: string;
      try {
        const response = await fetch(absolute, { cache: 'no-store' });
        if (!response.ok) throw new WasmhostError('io', `${absolute} answered ${response.status} ${response.statusText}`);
        text = await response.text();
      } catch (error) {
        throw error instanceof WasmhostError ? error : new WasmhostError('io', `could not fetch the manifest ${absolute}: ${(error as Error).message}`);
      }
      const desired = resolveDesired([{ source: absolute, text }], absolute);
      fleet?.close();
      fleet = undefined;
      source = { kind: 'manifest', url: absolute };
      writeSource(source);
      await agent.apply(desired);
      changed();
    },
    followFleetManager(url) {
      source = { kind: 'wfm', url: new URL(url, pageUrl).href };
      writeSource(source);
      follow(source.url);
      changed();
    },
    async clear() {
      fleet?.close();
      fleet = undefined;
      source = undefined;
      writeSource(undefined);
      await agent.apply([]);
      changed();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush: () => store.flush(),
    async stop() {
      fleet?.close();
      agent.stop();
      await store.flush();
      await link?.close();
      await telemetry.shutdown();
    },
  };
  return device;
}

/** A bus that also tells `onPublish` about everything published through it (trigger outputs, workload messages). */
function teeOutputs(bus: MessageBus, onPublish: (topic: string, payload: Uint8Array) => void): MessageBus {
  return {
    ...bus,
    publish(topic, payload, options) {
      bus.publish(topic, payload, options);
      onPublish(topic, payload);
    },
  };
}

/** The broker connection and the bridge on it; `close` ends both. */
interface BrokerLink { transport: MqttTransport; bridge: Bridge; close(): Promise<void> }

/**
 * Connects to the broker the server named (or `?broker=` names). Without one the page still
 * runs workloads, with an in-page bus and no peers. A broker that cannot be reached is
 * reported and the page goes on without it.
 */
async function connectBroker(config: PageConfig, pageUrl: URL, id: string, say: (line: string) => void, telemetry?: Telemetry): Promise<BrokerLink | undefined> {
  const asked = pageUrl.searchParams.get('broker');
  const broker = asked ? { url: asked } : config.broker;
  if (!broker) return undefined;
  const url = broker.url ?? `${pageUrl.protocol === 'https:' ? 'wss:' : 'ws:'}//${pageUrl.host}${broker.path ?? '/mqtt'}`;
  // With `session` (wasmhost serve), the page logs in with a credential of its own: the stored
  // one, or a fresh one when there is none or the broker refused the stored one (revoked).
  const sessionPath = 'session' in broker ? broker.session : undefined;
  const attempt = async (fresh: boolean): Promise<BrokerLink> => {
    const own = sessionPath ? (!fresh && storedCredential()) || (await requestCredential(sessionPath, pageUrl)) : undefined;
    const transport = createWebSocketMqttTransport({
      url, username: own?.username ?? broker.username, password: own?.password ?? broker.password, protocolVersion: broker.protocolVersion ?? 4,
      clientId: own?.clientId ?? `${id}-${Math.random().toString(36).slice(2, 8)}`, connectTimeoutMs: 8000,
    });
    try {
      await transport.connect();
      const bridge = await createBridge({ transport, root: broker.root, log: say, telemetry });
      say(`connected to ${url}${own ? ` as ${own.username} (peers: ${own.peers.join(', ') || 'none'})` : ''}`);
      return {
        transport, bridge,
        async close() {
          await bridge.close();
          await transport.close();
        },
      };
    } catch (error) {
      await transport.close().catch(() => undefined);
      throw error;
    }
  };
  const hadStored = sessionPath !== undefined && storedCredential() !== undefined;
  try {
    return await attempt(false).catch((error: unknown) => {
      if (!hadStored) throw error;
      say(`the broker refused this page's stored credential (${(error as Error).message}); asking for a new one`);
      forgetCredential();
      return attempt(true);
    });
  } catch (error) {
    say(`could not connect to the broker at ${url}: ${(error as Error).message}; running without peers`);
    return undefined;
  }
}

function readSource(): DesiredSource | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(SOURCE_KEY) ?? 'null') as DesiredSource | null;
    return value && (value.kind === 'manifest' || value.kind === 'wfm') && typeof value.url === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function writeSource(source: DesiredSource | undefined): void {
  if (source) localStorage.setItem(SOURCE_KEY, JSON.stringify(source));
  else localStorage.removeItem(SOURCE_KEY);
}
