import { expect } from 'vitest';
import { WasmhostError } from '../../src/errors.js';

/** The `bad-input` error `fn` throws; fails the test if it throws anything else or nothing. */
export function badInputError(fn: () => unknown): WasmhostError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WasmhostError);
    expect((error as WasmhostError).code).toBe('bad-input');
    return error as WasmhostError;
  }
  throw new Error('expected a bad-input error');
}

/** The message of the `bad-input` error `fn` throws. */
export function badInput(fn: () => unknown): string {
  return badInputError(fn).message;
}
