// Errors the binary decoder raises: every failure names the byte offset and, where
// known, the section it happened in, so a user can tell a cut file from a broken one.

import { WasmhostError } from '../../errors.js';

/** Formats a byte offset the way tools like `wasm-tools` print them. */
export function hex(offset: number): string {
  return `0x${offset.toString(16)}`;
}

/** The bytes are not a well-formed component (corrupt or cut short). */
export function corrupt(message: string, offset: number, where?: string): WasmhostError {
  const place = where === undefined ? `at offset ${hex(offset)}` : `at offset ${hex(offset)} (${where})`;
  return new WasmhostError('not-a-component', `corrupt component: ${message} ${place}`, { data: { offset } });
}

/** The bytes end before a value that must be there. */
export function truncated(offset: number, where?: string): WasmhostError {
  const place = where === undefined ? '' : ` (${where})`;
  return new WasmhostError(
    'not-a-component',
    `truncated component: the bytes end at offset ${hex(offset)}${place}; the file was probably cut short, fetch it again`,
    { data: { offset } },
  );
}

/** A well-formed construct this decoder does not handle. */
export function unsupported(what: string, offset: number, where?: string): WasmhostError {
  const place = where === undefined ? `at offset ${hex(offset)}` : `at offset ${hex(offset)} (${where})`;
  return new WasmhostError('unsupported', `unsupported component feature: ${what} ${place}`, { data: { offset } });
}
