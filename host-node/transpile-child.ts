// The entry of a transpiler process (transpile-process.ts): takes one component over IPC,
// transpiles it with jco, sends the artifact back and exits. Run with --liftoff-only, so V8
// does not spend the device's cores optimizing jco's 3.5 MB transpiler for a single use.
import { transpileWithJco } from '../src/component/transpile.js';
import { errorToJson } from '../src/runtime/isolate-protocol.js';
import type { TranspileSteps } from './transpile-process.js';

interface Request { bytes: Uint8Array; digest: string }

// From the process's start: Node's boot and loading this module.
const entered = performance.now();
if (!process.send) throw new Error('transpile-child.js runs as a child process with an IPC channel');
// jco loads while the component is on its way (transpileWithJco then finds it loaded).
const jco = import('@bytecodealliance/jco/component').then(() => performance.now(), () => performance.now());

process.once('message', (request: Request) => {
  const transpiled = jco.then(async (loaded) => {
    const artifact = await transpileWithJco(request.bytes, request.digest);
    const steps: TranspileSteps = { boot: entered, 'jco import': loaded - entered, transpile: performance.now() - loaded };
    return { artifact, steps };
  });
  transpiled.then(
    (reply) => process.send!(reply, () => process.disconnect()),
    (error: unknown) => process.send!({ error: errorToJson(error) }, () => process.disconnect()),
  );
});
