import { WasmhostError } from '../errors.js';
import type { StatusError } from './types.js';

/** A failure while starting a component, with the component it belongs to. */
export class ComponentFailure extends Error {
  constructor(readonly component: string, readonly error: StatusError) {
    super(`${component}: ${error.message}`);
  }
}

/** A status error from whatever was thrown. */
export function statusError(error: unknown, source: string): StatusError {
  if (error instanceof WasmhostError) return { code: error.code, source, message: error.message };
  return { code: 'internal', source, message: error instanceof Error ? error.message : String(error) };
}
