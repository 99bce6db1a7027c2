import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createAgent } from '../../src/deploy/agent.js';
import { createHttpRouter } from '../../src/runtime/http-router.js';
import { listenHttp } from '../http-listener.js';
import { createNodeHttpOutgoingProvider } from '../http-send.js';
import { readHttpTls } from './http-tls-flags.js';
import { IMPORTED_FILE } from '../../src/deploy/imported-file.js';
import type { DeploymentStatus } from '../../src/deploy/types.js';
import type { LogEntry } from '../../src/capabilities/provider.js';
import { WasmhostError } from '../../src/errors.js';
import { createNodeHost } from '../node-host.js';
import { createThreadIsolate } from '../thread-isolate.js';
import { workloadWorkerUrl } from '../workload-worker-url.js';
import { createProcessTranspiler } from '../transpile-process.js';
import { missingNodeFlags, profileSettings } from '../agent-profile.js';
import { createLazyWasiProvider } from '../lazy-wasi-provider.js';
import { createDeviceProvider, createSimulatedDrivers, sensorReader } from '../../src/capabilities/device-provider.js';
import { createFileComponentStore, createFileStateStore, createPackageFetcher, systemClock, writeFileAtomic } from '../file-agent-ports.js';
import { agentConsoleSnapshot } from '../../src/device/agent-snapshot.js';
import { startConsoleServer } from '../console-server.js';
import { createEventRing, restartOutcome } from '../../src/device/console-snapshot.js';
import { startStatusServer, type AgentStatusReport } from '../status-server.js';
import { IMPORTED_DIR, watchDesiredDir } from '../desired-dir.js';
import { thisDevice } from './device-check.js';
import { loadRegistryCredentials } from '../registry-auth.js';
import { toDeviceCapabilitiesManifest } from '../../src/device/margo-capabilities.js';
import type { RunningBroker } from '../broker.js';
import { openCredentialStore } from '../credentials.js';
import { createBridge, type Bridge } from '../../src/bridge/bridge.js';
import { createPeerDeviceProvider } from '../../src/bridge/peer-device-provider.js';
import { connectedPeers, peerPresence, peerReadings } from '../../src/bridge/agent-link.js';
import { peerChildren } from '../../src/bridge/peer-children.js';
import { trackLastReadings } from '../../src/bridge/last-readings.js';
import type { MqttTransport } from '../../src/ports/mqtt-transport.js';
import type { Telemetry } from '../../src/telemetry/telemetry.js';
import { startNodeTelemetry } from '../node-telemetry.js';
import { startMetricsServer } from '../metrics-server.js';
import { linuxIdentity } from '../device-identity.js';

/** Options of `wasmhost agent`. */
export interface AgentCommandOptions {
  desired?: string;
  /** A Margo fleet manager's URL to follow instead of a folder. */
  wfm?: string;
  pollSeconds: number;
  /** Follow a plain-http fleet manager (anyone on the path can then forge manifests): an explicit opt-out. */
  insecureHttp?: boolean;
  /** PEM files for https and mTLS with the fleet manager (re-read when they change) and an mqtts broker. */
  tls: { ca?: string; cert?: string; key?: string };
  /** The SPIFFE trust domain: the fleet manager's certificate must be an X509-SVID of it (and so must the device's). */
  trustDomain?: string;
  /** The fleet manager's exact SPIFFE ID (`spiffe://<trust-domain>/…`). */
  wfmSpiffeId?: string;
  stateDir: string;
  /** Serve a simulated `temperature` sensor and `fan` relay (for development devices). */
  simulated: boolean;
  /** An MQTT broker's URL (`mqtt://…` or `mqtts://…`, with the `tls` files) instead of the embedded one. */
  broker?: string;
  /** The embedded broker's port on 127.0.0.1 (default 1883). */
  brokerPort?: number;
  /** Also serve the embedded broker over WebSocket on this port, for browser devices. */
  brokerWsPort?: number;
  brokerUsername?: string;
  brokerPassword?: string;
  /**
   * The operator allows deployments of the local --desired folder to ask for `isolation: in-process`
   * (no call time limit). Never with --wfm: a fleet manager cannot choose an unlimited mode.
   */
  allowInProcess?: boolean;
  /** A Docker-style config.json with registry credentials for oci:// packages (else $WASMHOST_REGISTRY_AUTH). */
  registryAuth?: string;
  /** Registries (`host:port`) reached over plain http although not on loopback. */
  insecureRegistries?: string[];
  /** Serve `http` triggers on this port (0: a free one); absent: no HTTP listener, http triggers are refused. */
  httpPort?: number;
  /** The HTTP listener's address (default 127.0.0.1: loopback only). */
  httpHost?: string;
  /** An OpenTelemetry collector's OTLP/HTTP base URL (else $OTEL_EXPORTER_OTLP_ENDPOINT; neither: no telemetry). */
  otel?: string;
  /** Serve Prometheus text at http://127.0.0.1:<port>/metrics (0: a free one). */
  metricsPort?: number;
  /** Serve the device console at http://127.0.0.1:<port>/ (0: a free one). */
  consolePort?: number;
  /** The HTTP listener's certificate chain and key (PEM files): it serves HTTPS. */
  httpTlsCert?: string;
  httpTlsKey?: string;
  /** A PEM trust bundle added to the system CAs for workloads' outgoing HTTPS. */
  httpCa?: string;
  /** `default`, or `small` for 256 MB gateways (agent-profile.ts). */
  profile?: string;
}

/** The bridge to peers and what it runs on; `close` shuts it all down. */
interface PeerLink { bridge: Bridge; transport: MqttTransport; broker?: RunningBroker; close(): Promise<void> }

/**
 * Starts the embedded broker (or connects to `--broker`) and the bridge. Without `--broker`, a
 * port already taken is not fatal: the agent runs without peers and says so.
 */
async function connectPeers(options: AgentCommandOptions, telemetry: Telemetry): Promise<PeerLink | undefined> {
  const say = (line: string) => {
    process.stdout.write(`[bridge] ${line}\n`);
    if (telemetry.enabled) telemetry.log('info', line, { 'wasmhost.log.context': 'bridge' });
  };
  let broker: RunningBroker | undefined;
  let transport: MqttTransport;
  if (options.broker) {
    const tls = options.broker.startsWith('mqtts:') ? await readTls(options.tls) : {};
    const { createMqttTransport } = await import('../mqtt-transport.js'); // mqtt.js: only for an external broker
    transport = createMqttTransport({
      url: options.broker, username: options.brokerUsername, password: options.brokerPassword, ...tls, connectTimeoutMs: 10_000,
    });
  } else {
    const port = options.brokerPort ?? 1883;
    try {
      // Peers log in with the credentials `wasmhost peer add --state <the same dir>` provisioned.
      const credentials = openCredentialStore(options.stateDir);
      const { startBroker } = await import('../broker.js'); // aedes: only when the broker is embedded
      // No host password: the host's client is the in-process transport, so nobody logs in as the host.
      broker = await startBroker({ port, wsPort: options.brokerWsPort, credentials, log: (line) => say(`broker: ${line}`) });
    } catch (error) {
      say(`the embedded broker could not listen on 127.0.0.1:${port} (${(error as Error).message}); running without peers (use --broker-port or --broker)`);
      return undefined;
    }
    say(`embedded MQTT broker at ${broker.url}${broker.wsUrl ? ` and ${broker.wsUrl}` : ''}`);
    transport = broker.localTransport();
  }
  try {
    await transport.connect();
    const bridge = await createBridge({ transport, log: say, telemetry });
    if (options.broker) say(`connected to ${options.broker}`);
    return {
      bridge, transport, broker,
      async close() {
        await bridge.close();
        await transport.close();
        await broker?.close();
      },
    };
  } catch (error) {
    await transport.close().catch(() => undefined);
    await broker?.close();
    throw error;
  }
}


/** Where a running agent tells `wasmhost status` how to reach it. */
const ENDPOINT_FILE = 'agent.json';

/** `wasmhost agent`: runs the device agent until SIGINT/SIGTERM. */
export async function agentCommand(options: AgentCommandOptions): Promise<number> {
  if (options.desired && options.wfm) {
    throw new WasmhostError('bad-input', 'wasmhost agent follows one desired-state source: --desired <dir>, --wfm <url>, or neither (the state `wasmhost import` recorded)', { data: { usage: true } });
  }
  if (options.allowInProcess && options.wfm) {
    throw new WasmhostError('bad-input', '--allow-in-process applies to a local --desired folder only: a fleet manager may not choose in-process workloads, which have no call time limit', { data: { usage: true } });
  }
  if (options.wfm && /^http:/i.test(options.wfm) && !options.insecureHttp) {
    throw new WasmhostError('bad-input',
      `--wfm ${options.wfm} is plain http: anyone on the network path could forge manifests (a manifestVersion near 2^64 locks out every later update, a package swap runs their code). Use an https fleet manager, or pass --insecure-http to accept that risk knowingly`,
      { data: { usage: true } });
  }
  const footprint = profileSettings(options.profile ?? 'default');
  if (!footprint) throw new WasmhostError('bad-input', `unknown --profile '${options.profile}': use default or small`, { data: { usage: true } });
  // Checked before anything starts: a bad flag or unusable TLS file is a usage error, not a retry loop.
  // The fleet-manager client (https, mTLS, SPIFFE checks) loads only for --wfm.
  const wfm = options.wfm ? await loadFleetManager() : undefined;
  const wfmHttp = wfm ? await wfm.fleetManagerHttp(options, (e) => process.stdout.write(`[${e.workload}] ${e.level} ${e.context}: ${e.message}\n`)) : undefined;
  const { stateDir } = options;
  await mkdir(stateDir, { recursive: true });
  // Without a source, the agent follows the folder `wasmhost import` records into (air-gapped devices).
  const desiredDir = options.wfm ? undefined : (options.desired ?? join(stateDir, IMPORTED_DIR));
  if (!options.desired && desiredDir) await mkdir(desiredDir, { recursive: true });
  // What the console shows of the agent's activity, besides stdout.
  const events = createEventRing();
  const log = (e: LogEntry) => {
    process.stdout.write(`[${e.workload}] ${e.level} ${e.context}: ${e.message}\n`);
    events.add({ kind: e.workload === 'agent' || e.context === 'agent' ? 'agent' : 'log', level: e.level, who: e.workload, text: `${e.context}: ${e.message}` });
  };
  const httpTls = await readHttpTls({ cert: options.httpTlsCert, key: options.httpTlsKey, ca: options.httpCa, names: { cert: '--http-tls-cert', key: '--http-tls-key', ca: '--http-ca' } });
  const providers = [createLazyWasiProvider(), createNodeHttpOutgoingProvider({ ca: httpTls.ca })];
  const drivers = options.simulated ? createSimulatedDrivers(Date.now() % 1000, (n, v) => process.stdout.write(`[device] ${n} set to ${v}\n`)) : undefined;
  // Telemetry first: the bridge and the host report through it (the SDK loads only if asked for).
  const { telemetry, collector } = await startNodeTelemetry({ otel: options.otel, prometheus: options.metricsPort !== undefined, deviceId: linuxIdentity().id, deviceClass: 'linux' });
  const peers = await connectPeers(options, telemetry);
  if (peers) providers.push(createPeerDeviceProvider(peers.bridge, drivers));
  else if (drivers) providers.push(createDeviceProvider(drivers));
  const host = createNodeHost({
    cacheDir: join(stateDir, 'artifacts'), dataDir: join(stateDir, 'data'), providers, log, allowInProcess: options.allowInProcess === true, telemetry,
    isolate: createThreadIsolate({ workerUrl: workloadWorkerUrl, ...footprint.isolate }), transpile: createProcessTranspiler({ execArgv: footprint.transpilerFlags }),
  });
  const missing = missingNodeFlags(footprint, process.execArgv, process.env.NODE_OPTIONS);
  if (options.profile === 'small' && missing.length) {
    process.stdout.write(`[agent] profile small: for the smallest footprint also give Node ${missing.join(' ')} (NODE_OPTIONS="${footprint.nodeFlags.join(' ')}" wasmhost agent --profile small)\n`);
  }
  // The device profile lists the peers online now; it is reported again whenever they change.
  const profileNow = () => thisDevice(host, stateDir, connectedPeers(peers?.bridge), collector !== undefined);
  const profile = profileNow();
  const deviceId = profile.identity.id;
  let fleet: ReturnType<FleetManagerModules['followFleetManager']> | undefined;
  const components = createFileComponentStore(join(stateDir, 'components'));
  const credentials = await loadRegistryCredentials(options.registryAuth ?? process.env.WASMHOST_REGISTRY_AUTH);
  const router = options.httpPort === undefined ? undefined : createHttpRouter();
  const http = router && (await listenHttp(options.httpHost ?? '127.0.0.1', options.httpPort!, router.resolve, httpTls.listener));
  const agent = createAgent({
    http: router,
    host,
    deviceId,
    fetcher: createPackageFetcher({ oci: { credentials, insecure: options.insecureRegistries, blobs: components } }),
    components,
    state: createFileStateStore(join(stateDir, 'agent-state.json')),
    clock: systemClock,
    log,
    onStatus: (s) => {
      process.stdout.write(`[agent] ${describeStatus(s)}\n`);
      events.add({ kind: 'agent', level: s.status.state === 'failed' ? 'error' : 'info', who: s.deploymentId, text: describeStatus(s) });
      fleet?.reportStatus(s);
    },
    readSensor: drivers && sensorReader(drivers),
    subscribeReadings: peers && peerReadings(peers.bridge),
    peers: peers && peerPresence(peers.bridge),
    // Long downloads and transpiles, throttled by the core (nothing for fast ones).
    onProgress: (p) => {
      process.stdout.write(`[agent] ${p.deploymentId}/${p.component} ${p.text}\n`);
      if (p.done) events.add({ kind: 'agent', level: 'info', who: p.deploymentId, text: `${p.component}: ${p.text}` });
    },
  });
  // Show what workloads publish (trigger outputs, messages), so a person sees the device work.
  host.bus.subscribe('#', (m) => {
    const text = new TextDecoder().decode(m.payload);
    process.stdout.write(`[bus] ${m.topic} ${text}\n`);
    events.add({ kind: 'output', level: 'info', who: m.topic, text });
  });
  const { url, server } = await startStatusServer(agent, deviceId, () =>
    (peers?.bridge.peers() ?? []).map((p) => ({ id: p.id, online: p.online, seq: p.birth.seq, since: new Date(p.since).toISOString() })),
  );
  peers?.bridge.onPeersChanged((change) => {
    const news = `peer ${change.peer} ${change.type === 'up' ? 'online' : change.type === 'down' ? 'offline' : 'forgotten'}`;
    process.stdout.write(`[bridge] ${news}\n`);
    events.add({ kind: 'peer', level: change.type === 'up' ? 'info' : 'warn', who: 'bridge', text: news });
    fleet?.updateCapabilities(toDeviceCapabilitiesManifest(profileNow()) as unknown as Record<string, unknown>);
    fleet?.setChildren(peerChildren(peers?.bridge, deviceId));
  });
  const readings = peers && trackLastReadings(peers.bridge);
  const metrics = options.metricsPort === undefined ? undefined : await startMetricsServer(telemetry.prometheusText!, options.metricsPort);
  const source = options.wfm ? { kind: 'wfm' as const, url: options.wfm } : { kind: 'manifest' as const, url: resolve(desiredDir!) };
  const consoleServer = options.consolePort === undefined ? undefined
    : await startConsoleServer(() => agentConsoleSnapshot({ agent, host, profile: profileNow, events, source, bridge: peers?.bridge, readings }), options.consolePort, {
      restart: async (id) => {
        await agent.restart(id);
        return restartOutcome(agent.statuses(), id);
      },
    });
  // Listening before the endpoint file says the agent is up: a stop signal from then on (one that
  // comes while the agent still starts included) stops it cleanly, never by Node's default exit.
  const stopSignal = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await writeFileAtomic(join(stateDir, ENDPOINT_FILE), JSON.stringify({
    pid: process.pid, url, follows: options.wfm ?? resolve(desiredDir!), ...(http ? { http: http.url } : {}), ...(metrics ? { metrics: metrics.url } : {}),
    ...(consoleServer ? { console: consoleServer.url } : {}),
  }));
  process.stdout.write(`[agent] device ${deviceId}, state ${stateDir}, status ${url}${http ? `, http ${http.url}` : ''}${metrics ? `, metrics ${metrics.url}` : ''}${consoleServer ? `, console ${consoleServer.url}` : ''}\n`);
  if (collector) process.stdout.write(`[agent] telemetry to ${collector} (OTLP/HTTP)\n`);
  // Installs left unfinished by the last run wait for the first poll: a newer manifest supersedes them.
  await agent.start({ deferResume: Boolean(options.wfm) });
  let watcher: { close(): void };
  if (options.wfm && wfm) {
    fleet = wfm.followFleetManager({
      client: wfm.createWfmClient({ baseUrl: options.wfm, http: wfmHttp!, allowHttp: options.insecureHttp }),
      agent, deviceId, baseUrl: options.wfm, capabilities: toDeviceCapabilitiesManifest(profile) as unknown as Record<string, unknown>,
      pollMs: options.pollSeconds * 1000, clock: systemClock, log,
      childPresence: (peer) => {
        const known = peers?.bridge.peer(peer);
        return known ? (known.online ? 'online' : 'offline') : 'unknown';
      },
    });
    fleet.setChildren(peerChildren(peers?.bridge, deviceId));
    void fleet.poll().finally(() => agent.resume().catch((e: Error) => log({ workload: 'agent', level: 'error', context: 'agent', message: e.message })));
    watcher = fleet;
  } else {
    watcher = watchDesiredDir(desiredDir!, {
      onDesired: (desired) => {
        // Nothing imported yet: keep what the state holds (an agent restarted without its --desired must not remove everything).
        if (!options.desired && !existsSync(join(desiredDir!, IMPORTED_FILE))) {
          process.stdout.write(`[agent] no desired state imported into ${desiredDir} yet (wasmhost import); keeping the current one\n`);
          return;
        }
        agent.apply(desired).catch((e: Error) => process.stdout.write(`[agent] error: ${e.message}\n`));
      },
      onError: (message) => process.stdout.write(`[agent] ${message} (keeping the previous desired state)\n`),
    });
  }
  await stopSignal;
  // Downloads and installs in progress are aborted by stop(); should anything still hold the
  // event loop (a stuck socket, a worker), exit anyway after a short grace period.
  setTimeout(() => {
    process.stdout.write('[agent] forced exit: work still pending 5 s after the stop signal\n');
    process.exit(0);
  }, 5000).unref();
  watcher.close();
  agent.stop();
  server.close();
  server.closeAllConnections?.();
  metrics?.server.close();
  consoleServer?.server.closeAllConnections?.();
  await consoleServer?.close();
  await http?.close();
  await peers?.close().catch((e: Error) => process.stdout.write(`[bridge] close: ${e.message}\n`));
  await rm(join(stateDir, ENDPOINT_FILE), { force: true });
  await telemetry.shutdown().catch((e: Error) => process.stdout.write(`[agent] telemetry: ${e.message}\n`));
  process.stdout.write('[agent] stopped\n');
  return 0;
}

type FleetManagerModules = Awaited<ReturnType<typeof loadFleetManager>>;

async function loadFleetManager() {
  const [{ fleetManagerHttp }, { followFleetManager }, { createWfmClient }] = await Promise.all([
    import('./fleet-manager-http.js'), import('../../src/deploy/wfm-source.js'), import('../../src/deploy/wfm-client.js'),
  ]);
  return { fleetManagerHttp, followFleetManager, createWfmClient };
}

async function readTls(files: AgentCommandOptions['tls']): Promise<{ ca?: Buffer; cert?: Buffer; key?: Buffer }> {
  const read = (path?: string) => (path ? readFile(path) : undefined);
  return { ca: await read(files.ca), cert: await read(files.cert), key: await read(files.key) };
}

function describeStatus(s: DeploymentStatus): string {
  const error = s.status.error ? `: ${s.status.error.code} (${s.status.error.source}) ${s.status.error.message}` : '';
  return `${s.deploymentId} ${s.status.state}${error}`;
}

/** `wasmhost status`: asks the agent running on a state directory for its status. */
export async function statusCommand(stateDir: string, json: boolean): Promise<number> {
  let endpoint: { pid: number; url: string };
  try {
    endpoint = JSON.parse(await readFile(join(stateDir, ENDPOINT_FILE), 'utf8'));
  } catch {
    throw new WasmhostError('io', `no agent is running on state directory ${stateDir} (no ${ENDPOINT_FILE}); start one with wasmhost agent --state ${stateDir}`);
  }
  let report: AgentStatusReport;
  try {
    report = (await (await fetch(endpoint.url)).json()) as AgentStatusReport;
  } catch (error) {
    throw new WasmhostError('io', `the agent recorded at ${endpoint.url} (pid ${endpoint.pid}) does not answer: ${(error as Error).message}`);
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const lines = [`agent pid ${report.pid} on device ${report.deviceId}, up since ${report.startedAt}`];
  for (const p of report.peers ?? []) lines.push(`  peer ${p.id}: ${p.online ? 'online' : 'offline'} since ${p.since} (birth seq ${p.seq})`);
  for (const d of report.deployments) lines.push(`  ${d.deploymentId}: ${d.status.state}${d.status.error ? ` — ${d.status.error.message}` : ''}`);
  for (const w of report.workloads) {
    lines.push(`    ${w.deployment}/${w.component} v${w.version}: ${w.dead ? 'dead' : 'running'}, ${w.restarts} restarts${w.lastError ? `, last error: ${w.lastError}` : ''}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
