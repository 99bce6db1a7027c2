// `wasmhost peer-sim --url mqtt://127.0.0.1:1883 --count N [--root wasmhost/v1] [--rate hz]
// [--prefix sim] [--password P | --password-file F] [--mqtt 4|5] [--verbose]`: simulated embedded peers in this
// process (host-node/peer-sim.ts) until SIGINT/SIGTERM, when each publishes its death.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { WasmhostError } from '../../src/errors.js';
import { startPeerSim, type PeerSimOptions } from '../peer-sim.js';

export const PEER_SIM_USAGE = 'wasmhost peer-sim --url mqtt://host:port --count N [--root wasmhost/v1] [--rate hz] [--prefix sim] [--password P | --password-file F] [--mqtt 4|5] [--verbose]';

/**
 * Runs the simulator until SIGINT/SIGTERM (or `signal` aborts); prints `birth <id> seq=<n>`,
 * `ready <N>`, one line per rpc and `stopped` on stdout. Returns the exit code.
 */
export async function peerSimCommand(options: Omit<PeerSimOptions, 'out' | 'err'>, signal?: AbortSignal): Promise<number> {
  const out = (line: string) => void process.stdout.write(`${line}\n`);
  const sim = await startPeerSim({ ...options, out, err: (line) => void process.stderr.write(`peer-sim: ${line}\n`) });
  out(`ready ${options.count}`);
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    signal?.addEventListener('abort', done);
    if (signal?.aborted) done();
  });
  await sim.stop();
  out('stopped');
  return 0;
}

/** Parses the peer-sim arguments (its own flags, apart from the other commands') and runs it. */
export async function peerSimMain(argv: string[], signal?: AbortSignal): Promise<number> {
  const bad = (message: string) => new WasmhostError('bad-input', `${message}\n\nUsage: ${PEER_SIM_USAGE}`, { data: { usage: true } });
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
        count: { type: 'string', default: '1' },
        root: { type: 'string', default: 'wasmhost/v1' },
        rate: { type: 'string', default: '1' },
        prefix: { type: 'string', default: 'sim' },
        password: { type: 'string' },
        'password-file': { type: 'string' },
        mqtt: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw bad((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`Usage: ${PEER_SIM_USAGE}\n`);
    return 0;
  }
  const mqtt = values.mqtt === undefined ? undefined : Number(values.mqtt);
  if (mqtt !== undefined && mqtt !== 4 && mqtt !== 5) throw bad('--mqtt must be 4 (3.1.1) or 5');
  const options = {
    url: values.url, count: Number(values.count), root: values.root, rate: Number(values.rate), prefix: values.prefix,
    password: values.password, ...(values['password-file'] ? readPasswordFile(values['password-file'], bad) : {}), protocolVersion: mqtt as 4 | 5 | undefined, verbose: values.verbose,
  };
  return peerSimCommand(options, signal);
}

/**
 * `--password-file`: one line holding the secret every peer uses (for one peer, what `wasmhost
 * peer add` printed), or lines of `<peer id> <secret>`.
 */
function readPasswordFile(path: string, bad: (message: string) => Error): { password?: string; passwords?: Record<string, string> } {
  let lines: string[];
  try {
    lines = readFileSync(path, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  } catch (error) {
    throw bad(`--password-file ${path} cannot be read: ${(error as Error).message}`);
  }
  if (lines.length === 0) throw bad(`--password-file ${path} is empty`);
  if (lines.length === 1 && !/\s/.test(lines[0])) return { password: lines[0] };
  const passwords: Record<string, string> = {};
  for (const line of lines) {
    const [id, secret, ...more] = line.split(/\s+/);
    if (!secret || more.length > 0) throw bad(`--password-file ${path}: each line is '<peer id> <secret>' (or the file is one secret)`);
    passwords[id] = secret;
  }
  return { passwords };
}
