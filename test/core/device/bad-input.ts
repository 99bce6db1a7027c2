import { expect } from 'vitest';
import { WasmhostError } from '../../../src/errors.js';

/** The message of the `bad-input` error `fn` throws; fails the test if it throws anything else. */
export function badInput(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WasmhostError);
    expect((error as WasmhostError).code).toBe('bad-input');
    return (error as Error).message;
  }
  throw new Error('expected a bad-input error');
}
