// `wasmhost peer-sim --url mqtt://127.0.0.1:1883 --count N [--root wasmhost/v1] [--rate hz]
// [--prefix sim] [--password P] [--mqtt 4|5] [--verbose]`: simulated embedded peers in this
// process (host-node/peer-sim.ts) until SIGINT/SIGTERM, when each publishes its death.
import { parseArgs } from 'node:util';
import { WasmhostError } from '../../src/errors.js';
import { startPeerSim, type PeerSimOptions } from '../peer-sim.js';

export const PEER_SIM_USAGE = 'wasmhost peer-sim --url mqtt://host:port --count N [--root wasmhost/v1] [--rate hz] [--prefix sim] [--password P] [--mqtt 4|5] [--verbose]';

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
        mqtt: { type: 'string', default: '5' },
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
  const mqtt = Number(values.mqtt);
  if (mqtt !== 4 && mqtt !== 5) throw bad('--mqtt must be 4 (3.1.1) or 5');
  const options = {
    url: values.url, count: Number(values.count), root: values.root, rate: Number(values.rate), prefix: values.prefix,
    password: values.password, protocolVersion: mqtt as 4 | 5, verbose: values.verbose,
  };
  return peerSimCommand(options, signal);
}
