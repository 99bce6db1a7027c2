// The entry of a transpiler process (transpile-process.ts): takes one component over IPC,
// transpiles it with jco, sends the artifact back and exits. Run with --liftoff-only, so V8
// does not spend the device's cores optimizing jco's 3.5 MB transpiler for a single use.
import { transpileWithJco } from '../src/component/transpile.js';
import { errorToJson } from '../src/runtime/isolate-protocol.js';

interface Request { bytes: Uint8Array; digest: string }

if (!process.send) throw new Error('transpile-child.js runs as a child process with an IPC channel');

process.once('message', (request: Request) => {
  transpileWithJco(request.bytes, request.digest).then(
    (artifact) => process.send!({ artifact }, () => process.disconnect()),
    (error: unknown) => process.send!({ error: errorToJson(error) }, () => process.disconnect()),
  );
});
