// `wasmhost conformance`: runs the conformance probes against a device and prints a report
// per requirement (or JSON); exit code 0 when none failed, 1 when one did.
import { parseArgs } from 'node:util';
import { WasmhostError } from '../../src/errors.js';
import { formatReport, passed, type ProbeResult } from '../../src/conformance/report.js';

export const CONFORMANCE_USAGE = `wasmhost conformance --node <module.js | builtin> [--actuator <name>] [--json]
  wasmhost conformance --page <url> [--actuator <name>] [--chromium /usr/bin/chromium] [--json]
  wasmhost conformance --peer <id> --broker mqtt://host:port [--username u --password-file f] [--root wasmhost/v1]
                       [--rate-seconds 5] [--will-wait <seconds>] [--json]`;

export const CONFORMANCE_HELP = `Conformance: checks a device against the requirements of its class and prints one line per
requirement (PASS, FAIL or SKIP, its id, what it checks, and what was seen), then a summary.
--node: a Linux device's Node host. The module's default export is a function ({ dataDir }) that
returns createNodeHost options (or a Host); \`builtin\` is this package's own. --actuator names an
actuator the host has (default fan), used to check that an ungranted one answers denied.
--page: a browser device's page (e.g. the one \`wasmhost serve\` serves), loaded in Chromium through
the npm package playwright-core; the probes drive the device it exposes as window.wasmhostReady,
and reload the page once (key-value data and the device id must survive it).
--peer: an embedded peer joined to a broker, probed as the host talks to it (docs/bridge-protocol.md),
logged in with --username/--password-file (the host's credential on your broker, e.g. from
\`wasmhost peer export-mosquitto --host-secret-file\`); the data rate is watched --rate-seconds;
with --will-wait the suite asks you to cut the peer off and waits that long for its Last Will,
then to bring it back and waits that long for a birth with a higher seq (without it, PEER-will
and PEER-reconnect are skipped). PEER-broker-access tries two connections the broker must refuse.
Exit code 0: every requirement passed or was skipped, 1: one failed.`;

/** Parses the conformance arguments, runs the probes and prints the report; returns the exit code. */
export async function conformanceMain(argv: string[]): Promise<number> {
  const bad = (message: string) => new WasmhostError('bad-input', `${message}\n\nUsage: ${CONFORMANCE_USAGE}`, { data: { usage: true } });
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        node: { type: 'string' },
        actuator: { type: 'string', default: 'fan' },
        page: { type: 'string' },
        chromium: { type: 'string' },
        peer: { type: 'string' },
        broker: { type: 'string' },
        username: { type: 'string' },
        'password-file': { type: 'string' },
        root: { type: 'string' },
        'rate-seconds': { type: 'string', default: '5' },
        'will-wait': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw bad((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`Usage: ${CONFORMANCE_USAGE}\n\n${CONFORMANCE_HELP}\n`);
    return 0;
  }
  let results: ProbeResult[];
  if (values.node !== undefined) {
    const [{ loadHostFactory, targetFromFactory }, { runNodeProbes }] = await Promise.all([import('../conformance/node-target.js'), import('../conformance/node-probes.js')]);
    results = await runNodeProbes(targetFromFactory(await loadHostFactory(values.node), values.actuator));
  } else if (values.page !== undefined) {
    const { runPageProbes } = await import('../conformance/page-probes.js');
    results = await runPageProbes({ url: values.page, actuator: values.actuator, chromium: values.chromium });
  } else if (values.peer !== undefined) {
    if (!values.broker) throw bad('--peer needs --broker mqtt://host:port');
    const { runPeerProbes } = await import('../conformance/peer-probes.js');
    const { readFileSync } = await import('node:fs');
    const password = values['password-file'] === undefined ? undefined : readFileSync(values['password-file'], 'utf8').trim();
    const waitSeconds = values['will-wait'] === undefined ? undefined : Number(values['will-wait']);
    const disconnect = waitSeconds === undefined ? undefined : {
      waitSeconds,
      prompt: () => void process.stderr.write(`conformance: disconnect peer ${values.peer} now (power or network); waiting ${waitSeconds} s for its death\n`),
      reconnect: () => void process.stderr.write(`conformance: reconnect peer ${values.peer} now (power it up again); waiting ${waitSeconds} s for its new birth\n`),
    };
    results = await runPeerProbes({ peerId: values.peer, url: values.broker, username: values.username, password, root: values.root, rateSeconds: Number(values['rate-seconds']), disconnect });
  } else {
    throw bad('name a target: --node <module.js | builtin>, --page <url> or --peer <id>');
  }
  process.stdout.write(values.json ? `${JSON.stringify(results, null, 2)}\n` : formatReport(results));
  return passed(results) ? 0 : 1;
}
