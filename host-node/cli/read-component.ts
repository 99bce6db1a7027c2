import { readFile } from 'node:fs/promises';
import { WasmhostError } from '../../src/errors.js';
import type { Component } from '../../src/component/component.js';
import type { Host } from '../../src/create-host.js';

/** Reads a component file, turning file-system failures into errors that name the path. */
export async function readComponentFile(host: Pick<Host, 'load'>, path: string): Promise<Component> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new WasmhostError('io', `cannot read ${path}: ${why}`, { cause: error });
  }
  try {
    return await host.load(bytes);
  } catch (error) {
    if (error instanceof WasmhostError) throw new WasmhostError(error.code, `${path}: ${error.message}`, { cause: error, data: error.data });
    throw error;
  }
}
