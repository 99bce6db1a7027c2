// A page as a wasmhost device: the core host and agent on browser ports (IndexedDB, Web
// Workers, MQTT over WebSocket, fetch), the bridge to embedded peers, and the desired-state
// sources a page can follow (a manifest URL, a Margo fleet manager). The UI only reads this.
import { createHost, type Host } from '../src/create-host.js';
import { createAgent, type Agent } from '../src/deploy/agent.js';
import { resolveDesired } from '../src/deploy/desired-documents.js';
import { followFleetManager } from '../src/deploy/wfm-source.js';
import { createWfmClient } from '../src/deploy/wfm-client.js';
import type { DeploymentStatus, DesiredDeployment } from '../src/deploy/types.js';
import type { Bridge } from '../src/bridge/bridge.js';
import { trackLastReadings, type LastReading } from '../src/bridge/last-readings.js';
import { createPeerDeviceProvider } from '../src/bridge/peer-device-provider.js';
import { connectedPeers, peerPresence, peerReadings } from '../src/bridge/agent-link.js';
import { createMqttBus } from '../src/bridge/mqtt-bus.js';
import { createDeviceProvider, sensorReader } from '../src/capabilities/device-provider.js';
import type { CapabilityProvider, LogEntry } from '../src/capabilities/provider.js';
import { toDeviceCapabilitiesManifest } from '../src/device/margo-capabilities.js';
import type { DeviceProfile } from '../src/device/profile.js';
import type { Clock } from '../src/ports/agent-ports.js';
import type { MessageBus } from '../src/ports/message-bus.js';
import { WasmhostError } from '../src/errors.js';
import { openWasmhostDb } from './idb.js';
import { openIdbStore, type IdbStore } from './idb-store.js';
import { createIdbComponentStore, createIdbStateStore } from './idb-agent-ports.js';
import { createIdbArtifactCache } from './idb-artifact-cache.js';
import { createFetchHttpClient, createFetchPackageFetcher } from './fetch-ports.js';
import { createWebWorkerIsolate } from './web-worker-isolate.js';
import { createBrowserWasiProvider } from './wasi-provider.js';
import { createBrowserDrivers, type BrowserDrivers } from './browser-sensors.js';
import { browserDeviceId, browserProfile, browserResources, deviceDbName, deviceKey } from './browser-device.js';
import { connectBroker } from './broker-link.js';
import { createActivityLog, type PageEvent } from './activity-log.js';
import { describeDiff, diffDesired, type DesiredDiff } from './desired-diff.js';
import { startPageTelemetry } from './page-telemetry.js';

export type { PageEvent } from './activity-log.js';

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

/** A manifest fetched and compared with the current desired state, not applied yet. */
export interface DesiredPreview { url: string; desired: DesiredDeployment[]; diff: DesiredDiff; summary: string }

/** How an apply ended: the deployments it asked for that failed, with their errors. */
export interface ApplyOutcome { failed: { id: string; message: string }[] }

/** The running device, as the UI and tests see it. */
export interface BrowserDevice {
  readonly id: string;
  readonly host: Host;
  readonly agent: Agent;
  readonly bridge?: Bridge;
  readonly drivers: BrowserDrivers;
  /** The broker connection's state, for the UI. */
  brokerState(): 'none' | 'connected' | 'disconnected';
  /** Why the broker is not connected (and what the page does about it), if it is not. */
  brokerProblem(): string | undefined;
  /** The desired state last accepted (what a new one is compared with). */
  desired(): readonly DesiredDeployment[];
  profile(): DeviceProfile;
  source(): DesiredSource | undefined;
  events(): readonly PageEvent[];
  /** Fetches a manifest (Margo YAML or JSON) and says what making it the desired state would change. */
  preview(url: string): Promise<DesiredPreview>;
  /** Makes a previewed manifest the desired state; resolves when it is reached (or failed). */
  apply(preview: DesiredPreview): Promise<ApplyOutcome>;
  /** preview + apply in one (the page's `?manifest=`, tests). */
  deployFromUrl(url: string): Promise<ApplyOutcome>;
  /** Follows a Margo fleet manager (polls it, reports statuses and capabilities). */
  followFleetManager(url: string): void;
  /** Removes every deployment and forgets the source. */
  clear(): Promise<void>;
  /**
   * Takes one deployment out of the desired state (the rest stays) and applies that; refused
   * while a fleet manager decides the desired state.
   */
  removeDeployment(id: string): Promise<void>;
  /** Each peer sensor's last reading, from the bridge's data. */
  readonly readings?: { of(peer: string): LastReading[] };
  /** Calls `listener` whenever something shown changes. */
  onChange(listener: () => void): () => void;
  /** Resolves when key-value writes so far are in IndexedDB. */
  flush(): Promise<void>;
  /** False once stopped (another tab took the device over). */
  running(): boolean;
  stop(): Promise<void>;
}


const browserClock: Clock = {
  now: () => Date.now(),
  setInterval(callback, ms) {
    const id = setInterval(callback, ms);
    return () => clearInterval(id);
  },
};

/** Starts the device: opens storage, connects the broker (if configured), restores and runs the agent. */
export async function startBrowserDevice(config: PageConfig, pageUrl: URL, id = browserDeviceId(pageUrl.search)): Promise<BrowserDevice> {
  const telemetry = await startPageTelemetry(config, pageUrl, id);
  const activity = createActivityLog(localStorage, deviceKey(id, 'activity'), (error) => note({
    kind: 'log', level: 'warn', who: 'device', text: `storage: the activity list could not be saved (${error.message}); a reload will show an older one`,
  }));
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  const note = (e: Omit<PageEvent, 'at' | 'seq'>) => {
    activity.add(e);
    changed();
  };
  const log = (e: LogEntry) => note({ kind: e.context === 'agent' || e.workload === 'agent' ? 'agent' : 'log', level: e.level, who: e.workload, text: `${e.context}: ${e.message}` });

  const db = await openWasmhostDb(deviceDbName(id));
  const store: IdbStore = await openIdbStore(db, { onError: (error) => log({ workload: 'device', level: 'error', context: 'storage', message: `a key-value write did not reach IndexedDB: ${error.message}` }) });
  const drivers = await createBrowserDrivers((name, value) => note({ kind: 'actuator', level: 'info', who: name, text: `set to ${value}` }));

  const link = await connectBroker(config, pageUrl, id, (line) => note({ kind: 'peer', level: 'info', who: 'bridge', text: line }), changed, telemetry);
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
    bus: bus && teeOutputs(bus, (topic, payload) => {
      const text = new TextDecoder().decode(payload);
      // Not "published" when it was not: the broker is away (serve restarting, a refused credential).
      if (link?.transport.connected) note({ kind: 'output', level: 'info', who: topic, text });
      else note({ kind: 'output', level: 'warn', who: topic, text: `not sent (${link?.transport.problem() ?? 'not connected to the broker'}): ${text}` });
    }),
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

  const stateStore = createIdbStateStore(db);
  let desired: readonly DesiredDeployment[] = (await stateStore.load())?.desired ?? [];
  let running = true;
  const agent = createAgent({
    host,
    deviceId: id,
    fetcher: createFetchPackageFetcher(),
    components: createIdbComponentStore(db),
    state: stateStore,
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
  const readings = link && trackLastReadings(link.bridge);
  link?.bridge.onPeersChanged(() => {
    fleet?.updateCapabilities(toDeviceCapabilitiesManifest(profile()) as unknown as Record<string, unknown>);
    changed();
  });
  await agent.start();

  const sourceKey = deviceKey(id, 'source');
  let source: DesiredSource | undefined = readSource(sourceKey);
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
    writeSource(sourceKey, source);
    follow(wfm);
  }

  const device: BrowserDevice = {
    id, host, agent, drivers,
    bridge: link?.bridge,
    readings,
    brokerState: () => (!link ? 'none' : link.transport.connected ? 'connected' : 'disconnected'),
    brokerProblem: () => link?.transport.problem(),
    desired: () => desired,
    profile,
    source: () => source,
    events: () => activity.list(),
    async preview(url) {
      const absolute = new URL(url, pageUrl).href;
      let text: string;
      try {
        const response = await fetch(absolute, { cache: 'no-store' });
        if (!response.ok) throw new WasmhostError('io', `${absolute} answered ${response.status} ${response.statusText}`);
        text = await response.text();
      } catch (error) {
        throw error instanceof WasmhostError ? error : new WasmhostError('io', `could not fetch the manifest ${absolute}: ${(error as Error).message}`);
      }
      const next = resolveDesired([{ source: absolute, text }], absolute);
      desired = (await stateStore.load())?.desired ?? desired; // a fleet manager may have changed it
      const diff = diffDesired(desired, next);
      return { url: absolute, desired: next, diff, summary: describeDiff(diff) };
    },
    async apply(preview) {
      fleet?.close();
      fleet = undefined;
      source = { kind: 'manifest', url: preview.url };
      writeSource(sourceKey, source);
      desired = preview.desired;
      await agent.apply(preview.desired);
      changed();
      const failed = agent.statuses().filter((s) => s.status.state === 'failed' && preview.desired.some((d) => d.id === s.deploymentId));
      return { failed: failed.map((s) => ({ id: s.deploymentId, message: s.status.error?.message ?? 'failed' })) };
    },
    async deployFromUrl(url) {
      return device.apply(await device.preview(url));
    },
    followFleetManager(url) {
      source = { kind: 'wfm', url: new URL(url, pageUrl).href };
      writeSource(sourceKey, source);
      follow(source.url);
      changed();
    },
    async clear() {
      fleet?.close();
      fleet = undefined;
      source = undefined;
      writeSource(sourceKey, undefined);
      desired = [];
      await agent.apply([]);
      changed();
    },
    async removeDeployment(deploymentId) {
      if (fleet) throw new WasmhostError('bad-input', `cannot remove ${deploymentId}: this device follows a fleet manager, which decides its desired state; remove it there`);
      desired = (await stateStore.load())?.desired ?? desired;
      desired = desired.filter((d) => d.id !== deploymentId);
      await agent.apply([...desired]);
      changed();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush: () => store.flush(),
    running: () => running,
    async stop() {
      running = false;
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

function readSource(key: string): DesiredSource | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(key) ?? 'null') as DesiredSource | null;
    return value && (value.kind === 'manifest' || value.kind === 'wfm') && typeof value.url === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function writeSource(key: string, source: DesiredSource | undefined): void {
  if (source) localStorage.setItem(key, JSON.stringify(source));
  else localStorage.removeItem(key);
}
