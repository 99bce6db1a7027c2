// The WASI jco's transpiler (a Rust component) gets in the transpiler process, instead of
// preview2-shim's: it transpiles bytes in memory, so it needs no files, terminal or input, and
// preview2-shim costs that process about 57 ms of CPU, 7 MiB and a thread of its own to load.
// host-node/build-cli.mjs bundles transpile-child.js with this module in the shim's place.
// Its own output (a panic message) still reaches stderr.
import { getRandomValues } from 'node:crypto';

function refused(what: string): never {
  throw new Error(`the transpiler process offers no ${what}`);
}

class OutputStream {
  constructor(private readonly write_: (bytes: Uint8Array) => void = () => {}) {}
  checkWrite(): bigint { return 1n << 20n; }
  write(bytes: Uint8Array): void { this.write_(bytes); }
  blockingWriteAndFlush(bytes: Uint8Array): void { this.write_(bytes); }
  flush(): void {}
  blockingFlush(): void {}
  subscribe(): never { return refused('pollables'); }
}

class InputStream {
  read(): Uint8Array { return new Uint8Array(0); }
  blockingRead(): Uint8Array { return new Uint8Array(0); }
  subscribe(): never { return refused('pollables'); }
}

class Descriptor {}
class DirectoryEntryStream {}
class TerminalInput {}
class TerminalOutput {}
class WasiError {
  toDebugString(): string { return 'transpiler I/O error'; }
}

const stderrStream = new OutputStream((bytes) => process.stderr.write(bytes));

export const environment = { getEnvironment: (): [string, string][] => [], getArguments: (): string[] => [], initialCwd: () => undefined };
export const exit = { exit: (status: { tag: string }): never => refused(`exit (${status.tag})`) };
export const stderr = { getStderr: () => stderrStream };
export const stdout = { getStdout: () => new OutputStream() };
export const stdin = { getStdin: () => new InputStream() };
export const terminalInput = { TerminalInput };
export const terminalOutput = { TerminalOutput };
export const terminalStderr = { getTerminalStderr: () => undefined };
export const terminalStdout = { getTerminalStdout: () => undefined };
export const terminalStdin = { getTerminalStdin: () => undefined };
export const preopens = { getDirectories: (): [Descriptor, string][] => [] };
export const types = { Descriptor, DirectoryEntryStream, filesystemErrorCode: () => undefined };
export const error = { Error: WasiError };
export const streams = { InputStream, OutputStream };
export const random = { getRandomBytes: (len: bigint) => getRandomValues(new Uint8Array(Number(len))) };
