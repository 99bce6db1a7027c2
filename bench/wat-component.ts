import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';

/** Builds one of the WAT test components (test/fixtures/wat/<name>.{wat,wit}) with jco's own API. */
export async function watComponent(name: string): Promise<Uint8Array> {
  const dir = fileURLToPath(new URL('../../test/fixtures/wat/', import.meta.url));
  const core = await parse(await readFile(`${dir}${name}.wat`, 'utf8'));
  const embedded = await componentEmbed({ binary: core, witSource: await readFile(`${dir}${name}.wit`, 'utf8'), world: name });
  return componentNew(embedded);
}
