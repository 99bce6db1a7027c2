import { WasmhostError } from '../errors.js';

/** Thrown from inside `wasi:cli/exit`: the component asked to end with this exit code. */
export class WasiExit extends WasmhostError {
  constructor(readonly exitCode: number) {
    super('exit', `the component exited with code ${exitCode}`, { data: { exitCode } });
  }
}

/** `wasi:cli/exit` for every WASI provider: it ends the call with a WasiExit, never the host process or page. */
export function wasiExitImport(): Record<string, unknown> {
  return {
    exit(status: { tag: 'ok' | 'err' }) { throw new WasiExit(status.tag === 'err' ? 1 : 0); },
    exitWithCode(code: number) { throw new WasiExit(code); },
  };
}
