// The CLI: parses argv and loads only the modules the command uses (dynamic import per
// command), so `wasmhost --help` and `inspect` start in about the time of Node itself.
import { parseArgs } from 'node:util';
import { WasmhostError } from '../../src/errors.js';
import { GRANT_FORMS } from './grant-flags.js';

const USAGE = `wasmhost — a Wasm-first runtime host for edge devices

Usage:
  wasmhost inspect <component.wasm> [--json]
  wasmhost device [--json]
  wasmhost check <component.wasm> [--device profile.json | --fleet <dir> | --class browser|linux] [--grant …] [--constraints c.json] [--json]
  wasmhost agent [--desired <dir> | --wfm <url> [--poll-seconds 10] [--tls-ca f --tls-cert f --tls-key f] [--insecure-http]]
                 [--trust-domain example.org] [--wfm-spiffe-id spiffe://example.org/fleet-manager]
                 [--state <dir>] [--no-simulated-device] [--allow-in-process (not with --wfm)]
                 [--broker-port 1883 [--broker-ws-port 9001] | --broker mqtt[s]://host:port [--broker-username u --broker-password p]]
                 [--registry-auth <config.json>] [--insecure-registry host:port …]
                 [--http-port <port> [--http-host 127.0.0.1] [--http-tls-cert f --http-tls-key f]]   (serves components' http triggers; HTTPS with the PEM files)
                 [--http-ca ca.pem]   (trust bundle added to the system CAs for workloads' outgoing HTTPS)
                 [--otel <collector url>] [--metrics-port <port>]  (OpenTelemetry OTLP/HTTP; Prometheus /metrics on loopback)
                 [--console-port <port>]   (the device console on http://127.0.0.1:<port>/; ?kiosk hides its controls)
                 [--profile small]   (256 MB gateways: fewer idle workers, smaller heaps; README)
  wasmhost status [--state <dir>] [--json]
  wasmhost import <bundle.tar.gz | folder> [--state <dir>] [--json]
  wasmhost push <component.wasm> oci://registry/repository:tag [--registry-auth <config.json>] [--insecure-registry host:port] [--json]
  wasmhost serve [options]           (wasmhost serve --help)
  wasmhost peer-sim --url mqtt://host:port --count N [options]   (wasmhost peer-sim --help)
  wasmhost peer add|list|remove|export-mosquitto [options]         (wasmhost peer --help)
  wasmhost conformance --node <module.js | builtin> | --peer <id> --broker <url> [--json]   (wasmhost conformance --help)
  wasmhost run <component.wasm> --invoke '<call>' [--json] [options]
  wasmhost run <command-component.wasm> [options] [-- args…]
  wasmhost serve-http <http-component.wasm> [--listen 127.0.0.1:8080] [--grant …]

Check: can this device (or --device, a wasmhost profile or Margo DeviceCapabilitiesManifest;
or each of --fleet, a folder of them; or with --class, every device of that class, by its
standard profile in docs/device-classes.md) run the component with the given grants and Margo
deviceConstraints? Exit code 0: yes (for a fleet: at least one device), 3: no, 1: error.

Agent: runs the device agent until SIGINT/SIGTERM. It applies the Margo ApplicationDeployments
(and ApplicationDescriptions) in --desired, re-reading the folder on every change, or follows a
Margo fleet manager (--wfm: State Manifest with ETag, strictly increasing manifestVersion,
digest-checked YAML, statuses and capabilities posted; https only, unless --insecure-http accepts
a plain-http one knowingly): TLS 1.3, mTLS with the --tls-* PEM files (the trust bundle, the device's
X509-SVID and key, re-read when they change), the fleet manager known by its SPIFFE ID with
--wfm-spiffe-id, or by any ID of --trust-domain, instead of its host name), keeps its state
in --state (default $WASMHOST_STATE_DIR, else ~/.local/state/wasmhost) and serves its status on
loopback; \`wasmhost status\` reads it. With neither --desired nor --wfm it follows the desired
state \`wasmhost import\` recorded in --state. Embedded peers join through MQTT: an in-process broker on
--broker-port by default, or an external one with --broker (docs/bridge-protocol.md).
Telemetry: --otel (else $OTEL_EXPORTER_OTLP_ENDPOINT) exports traces, metrics and logs over
OTLP/HTTP to that collector; --metrics-port serves the same metrics as Prometheus text.

Import: air-gapped install from removable media. The bundle (.tar.gz) or folder holds Margo
manifests at its top level and the component files they name by relative path; every file is
checked against its deployment's digest (one mismatch refuses the whole import, the previous
state stays), components go to the agent's component store, the desired state to --state.

Registries: a packageLocation oci://registry/repository[:tag][@sha256:…] is pulled from an OCI
registry (https; plain http only on loopback or with --insecure-registry host:port), with the
credentials of --registry-auth (else $WASMHOST_REGISTRY_AUTH): a Docker config.json
({"auths": {"host:port": {"auth": "<base64 user:password>"}}}). Push publishes a component
there in the Wasm OCI layout and prints the manifest digest to pin.

Serve: turns every browser that opens the printed URL into a browser device (its page, an
embedded MQTT broker for pages and peers); \`wasmhost serve --help\` tells the rest.

Peer: the credentials embedded peers log in with (a secret per peer id, kept hashed in
--state); \`wasmhost peer --help\` tells the rest.

Run options:
  --invoke '<call>'    call an export with WAVE arguments, e.g. 'add(1, 2)', 'greet("hi")',
                       'pkg:ns/iface@1.0.0#func({a: 1})' or 'iface.func(…)'
  --json               arguments and result as JSON instead of WAVE
  --config key=value   a wasi:config value (repeatable)
  --grant <grant>      allow a capability (repeatable); nothing that reaches the device is
                       allowed without one: ${GRANT_FORMS}
  --dir host::guest    grant a host directory to the component at a guest path (repeatable)
  --env KEY=VALUE      grant an environment variable (repeatable)
  --mock <file.json>   test mode: mocked sensors, actuators and config from a file
                       ({"sensors": {"t": [20, 31]}, "actuators": ["fan"], "config": {…}});
                       every capability call is printed to stderr
  --data-dir <dir>     keep wasi:keyvalue buckets in <dir>/keyvalue.db (default: in memory)
  --cache-dir <dir>    where transpiled components are cached
  --no-fast-calls      call every export through jco's glue
  --timeout-ms <n>     --invoke runs in a worker and is stopped after n ms (default 10000)
  --memory <MiB>       cap of each Wasm memory of the component (default 64)
  --in-process         --invoke in this thread: no time limit (trusted components; imports passing streams)
`;

/** Parses argv, runs the command, and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'peer-sim') return (await import('./peer-sim.js')).peerSimMain(rest);
  if (command === 'peer') return (await import('./peer.js')).peerMain(rest);
  if (command === 'conformance') return (await import('./conformance.js')).conformanceMain(rest);
  if (command === 'serve-http') {
    const serveHttp = await import('./serve-http.js');
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`Usage: ${serveHttp.SERVE_HTTP_USAGE}\n`);
      return 0;
    }
    return serveHttp.serveHttpMain(rest);
  }
  if (command === 'serve') {
    const serve = await import('./serve.js');
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`Usage: ${serve.SERVE_USAGE}\n\n${serve.SERVE_HELP}\n`);
      return 0;
    }
    return serve.serveMain(rest);
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      invoke: { type: 'string' },
      config: { type: 'string', multiple: true, default: [] },
      dir: { type: 'string', multiple: true, default: [] },
      env: { type: 'string', multiple: true, default: [] },
      grant: { type: 'string', multiple: true, default: [] },
      mock: { type: 'string' },
      device: { type: 'string' },
      fleet: { type: 'string' },
      class: { type: 'string' },
      constraints: { type: 'string' },
      state: { type: 'string' },
      'data-dir': { type: 'string' },
      desired: { type: 'string' },
      wfm: { type: 'string' },
      'insecure-http': { type: 'boolean', default: false },
      'poll-seconds': { type: 'string', default: '10' },
      'tls-ca': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'trust-domain': { type: 'string' },
      'wfm-spiffe-id': { type: 'string' },
      'no-simulated-device': { type: 'boolean', default: false },
      broker: { type: 'string' },
      'broker-port': { type: 'string', default: '1883' },
      'broker-ws-port': { type: 'string' },
      'broker-username': { type: 'string' },
      'broker-password': { type: 'string' },
      'cache-dir': { type: 'string' },
      'no-fast-calls': { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
      memory: { type: 'string' },
      'in-process': { type: 'boolean', default: false },
      'allow-in-process': { type: 'boolean', default: false },
      'registry-auth': { type: 'string' },
      'insecure-registry': { type: 'string', multiple: true, default: [] },
      'http-port': { type: 'string' },
      'http-host': { type: 'string' },
      otel: { type: 'string' },
      'metrics-port': { type: 'string' },
      'console-port': { type: 'string' },
      'http-tls-cert': { type: 'string' },
      'http-tls-key': { type: 'string' },
      'http-ca': { type: 'string' },
      profile: { type: 'string', default: 'default' },
    },
  });
  const dashDash = rest.indexOf('--');
  const [file, ...extra] = dashDash < 0 ? positionals : positionals.slice(0, positionals.length - (rest.length - dashDash - 1));
  if (!['inspect', 'device', 'check', 'agent', 'status', 'run', 'import', 'push'].includes(command)) throw usage(`unknown command '${command}'`);
  if (!file && command === 'import') throw usage('import needs a bundle (.tar.gz) or a folder');
  if (!file && !['device', 'agent', 'status'].includes(command)) throw usage(`${command} needs a component file`);
  if (extra.length && !(command === 'push' && extra.length === 1)) throw usage(`unexpected argument '${extra[0]}' (pass a command component's arguments after --)`);
  const cacheDir = values['cache-dir'];
  switch (command) {
    case 'inspect':
      return (await import('./inspect.js')).inspectCommand(file, values.json);
    case 'status':
      return (await import('./agent.js')).statusCommand(await stateDir(values.state), values.json);
    case 'import':
      return (await import('./import.js')).importCommand(file, await stateDir(values.state), values.json);
    case 'agent':
      return (await import('./agent.js')).agentCommand({
        desired: values.desired,
        wfm: values.wfm,
        insecureHttp: values['insecure-http'],
        pollSeconds: Number(values['poll-seconds']),
        tls: { ca: values['tls-ca'], cert: values['tls-cert'], key: values['tls-key'] },
        trustDomain: values['trust-domain'],
        wfmSpiffeId: values['wfm-spiffe-id'],
        stateDir: await stateDir(values.state),
        simulated: !values['no-simulated-device'],
        broker: values.broker,
        brokerPort: Number(values['broker-port']),
        brokerWsPort: values['broker-ws-port'] === undefined ? undefined : Number(values['broker-ws-port']),
        brokerUsername: values['broker-username'],
        brokerPassword: values['broker-password'],
        allowInProcess: values['allow-in-process'],
        registryAuth: values['registry-auth'],
        insecureRegistries: values['insecure-registry'],
        httpPort: values['http-port'] === undefined ? undefined : port(values['http-port'], '--http-port'),
        httpHost: values['http-host'],
        otel: values.otel,
        metricsPort: values['metrics-port'] === undefined ? undefined : port(values['metrics-port'], '--metrics-port'),
        consolePort: values['console-port'] === undefined ? undefined : port(values['console-port'], '--console-port'),
        httpTlsCert: values['http-tls-cert'],
        httpTlsKey: values['http-tls-key'],
        httpCa: values['http-ca'],
        profile: values.profile,
      });
    case 'push':
      return (await import('./push.js')).pushCommand(file, extra0(positionals), {
        registryAuth: values['registry-auth'], insecureRegistries: values['insecure-registry'], json: values.json,
      });
    default: // device, check, run: they need the host
      break;
  }
  const [{ createCliHost }, { grantsFromFlags }] = await Promise.all([import('./cli-host.js'), import('./grant-flags.js')]);
  const { host, mock, mocks } = await createCliHost({ cacheDir, dataDir: values['data-dir'], mockFile: values.mock });
  if (command === 'device') return (await import('./device-check.js')).deviceCommand(host, await stateDir(values.state), values.json);
  if (command === 'check') {
    return (await import('./device-check.js')).checkCommand(host, await stateDir(values.state), file, {
      device: values.device,
      fleet: values.fleet,
      class: values.class,
      constraints: values.constraints,
      grants: grantsFromFlags(values.grant, values.dir, values.env),
      json: values.json,
    });
  }
  const flags = grantsFromFlags(values.grant, values.dir, values.env);
  const run = await import('./run.js');
  try {
    return await run.runCommand(host, file, {
      invoke: values.invoke,
      json: values.json,
      config: { ...mocks?.config, ...pairs(values.config, '=', '--config') },
      grants: mock ? { ...flags, sensors: [...mock.grants.sensors!, ...(flags.sensors ?? [])], actuators: [...mock.grants.actuators!, ...(flags.actuators ?? [])] } : flags,
      args: dashDash < 0 ? [] : rest.slice(dashDash + 1),
      fastCalls: !values['no-fast-calls'],
      limits: {
        callTimeoutMs: values['timeout-ms'] === undefined ? run.RUN_LIMITS.callTimeoutMs : positive(values['timeout-ms'], '--timeout-ms', 2 ** 31 - 1),
        memoryBytes: values.memory === undefined ? run.RUN_LIMITS.memoryBytes : positive(values.memory, '--memory', 2 ** 32, 2 ** 20),
        inProcess: values['in-process'],
      },
    });
  } finally {
    if (mock) process.stderr.write((await import('./mock-file.js')).formatCalls(mock.calls, values.json));
  }
}

/** A TCP port (0: any free one). */
function port(text: string, flag: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw usage(`${flag} expects a port from 0 to 65535, got '${text}'`);
  return Number(text);
}

/** The second positional argument (push's target), or a usage error. */
function extra0(positionals: string[]): string {
  if (positionals.length !== 2) throw usage('push needs a component file and an oci://registry/repository:tag');
  return positionals[1];
}

/** --state, else $WASMHOST_STATE_DIR, else ~/.local/state/wasmhost. */
async function stateDir(flag: string | undefined): Promise<string> {
  return flag ?? (await import('../node-host.js')).defaultStateDir();
}

function usage(message: string): WasmhostError {
  return new WasmhostError('bad-input', `${message}\n\n${USAGE}`, { data: { usage: true } });
}

/** A whole number in [1, max] from a flag (times `unit`: MiB for --memory). */
function positive(text: string, flag: string, max: number, unit = 1): number {
  const value = Number(text) * unit;
  if (!/^\d+$/.test(text) || value < 1 || value > max) throw usage(`${flag} expects a whole number from 1 to ${max / unit}, got '${text}'`);
  return value;
}

function pairs(items: string[], sep: string, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf(sep);
    if (at <= 0) throw usage(`${flag} expects KEY${sep}VALUE, got '${item}'`);
    out[item.slice(0, at)] = item.slice(at + sep.length);
  }
  return out;
}

/** Prints an error the way a user can act on it; returns the exit code for it. */
export function reportError(error: unknown, json: boolean): number {
  const failure = error instanceof WasmhostError ? error : undefined;
  if (json && failure) process.stdout.write(`${JSON.stringify({ error: failure.toJSON() })}\n`);
  if (failure) process.stderr.write(`wasmhost: error[${failure.code}]: ${failure.message}\n`);
  else process.stderr.write(`wasmhost: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  return (failure?.data as { usage?: boolean } | undefined)?.usage ? 2 : 1;
}
