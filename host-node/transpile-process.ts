import { fork } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { WasmhostError, type WasmhostErrorJson } from '../src/errors.js';
import type { TranspiledArtifact } from '../src/ports/artifact-cache.js';
import type { Transpiler } from '../src/component/transpile.js';

// Where a cold start's time goes (measured, see README "Start and footprint"): jco's transpiler
// is a 3.5 MB core module; in the host's process V8 compiles it, then tiers its hot functions
// up with TurboFan on background threads, which on a 2-core device takes the cores from
// everything else (the workload's own compile, the agent's answers) and keeps ~60 MB of code
// and memory resident afterwards. A short-lived child with --liftoff-only transpiles in
// about half the wall time, off the host's thread, and gives all of it back when it exits.

/** Options of the transpiler process. */
export interface ProcessTranspilerOptions {
  /** The child's entry (default: `transpile-child.js` beside this module, in dist/). */
  childUrl?: URL;
  /** V8 flags of the child (default `--liftoff-only`). */
  execArgv?: string[];
  /** Told where each transpile's time went (the bench prints it). */
  onSteps?: (steps: TranspileSteps) => void;
}

/**
 * Where a transpile's ms went: the child's `boot` (Node and its modules), `jco import`,
 * `transpile` (jco's generate), and `process` (the whole, from fork to the artifact received).
 */
export type TranspileSteps = Record<'boot' | 'jco import' | 'transpile', number> & { process?: number };

function defaultChildUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../dist/host-node/transpile-child.js', here) : new URL('./transpile-child.js', here);
}

/**
 * The child's entry: the bundle `npm run build` makes beside it (jco without preview2-shim, see
 * transpiler-wasi.ts) when it is not older than tsc's output, else the entry itself.
 */
async function defaultChild(): Promise<string> {
  const entry = defaultChildUrl();
  const bundle = new URL('./transpile-child.bundle.js', entry);
  const modified = (url: URL) => stat(url).then((s) => s.mtimeMs, () => -1);
  return fileURLToPath((await modified(bundle)) >= (await modified(entry)) ? bundle : entry);
}

type Reply = { artifact: TranspiledArtifact; steps: TranspileSteps } | { error: WasmhostErrorJson };

/**
 * Transpiles each component in a child Node process, one at a time (a small device holds one
 * transpiler's memory at most); the host's event loop keeps answering meanwhile.
 */
export function createProcessTranspiler(options: ProcessTranspilerOptions = {}): Transpiler {
  const child = options.childUrl ? Promise.resolve(fileURLToPath(options.childUrl)) : undefined;
  const execArgv = options.execArgv ?? ['--liftoff-only'];
  let queue: Promise<unknown> = Promise.resolve();
  return (bytes, digest) => {
    const run = queue.then(async () => transpileInChild(await (child ?? defaultChild()), execArgv, bytes, digest, options.onSteps));
    queue = run.catch(() => undefined);
    return run;
  };
}

function transpileInChild(child: string, execArgv: string[], bytes: Uint8Array, digest: string, onSteps?: (steps: TranspileSteps) => void): Promise<TranspiledArtifact> {
  const forked = performance.now();
  return new Promise((resolve, reject) => {
    const proc = fork(child, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    let settled = false;
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-500)));
    proc.once('message', (reply: Reply) => {
      settled = true;
      if ('artifact' in reply) {
        onSteps?.({ ...reply.steps, process: performance.now() - forked });
        resolve(reply.artifact);
      }
      else reject(WasmhostError.fromJSON(reply.error));
    });
    proc.once('error', (cause) => {
      if (settled) return;
      settled = true;
      reject(new WasmhostError('transpile-failed', `could not start the transpiler process for ${digest}: ${cause.message}`, { cause }));
    });
    proc.once('exit', (code, signal) => {
      if (settled) return;
      settled = true;
      const why = signal ? `signal ${signal}` : `code ${code}`;
      reject(new WasmhostError('transpile-failed', `the transpiler process for ${digest} ended (${why}) without an answer${stderr ? `: ${stderr.trim()}` : ''}; check the memory available to it`));
    });
    proc.send({ bytes, digest });
  });
}
