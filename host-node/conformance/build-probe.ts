// Builds the conformance probe components at run time from the WAT and WIT kept in the
// package (host-node/conformance/probes/), with jco's parse → embed → new.
import { access, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';

/** The probe components; each is `probes/<name>.{wat,wit}` with world `wasmhost:conformance/<name>`. */
export type ProbeName = 'limits' | 'keyvalue' | 'actuator' | 'exit' | 'preopens' | 'stall';

/** The probes folder: beside this file when run from source, else in the package root (from dist/). */
async function probesDir(): Promise<string> {
  const beside = fileURLToPath(new URL('./probes/', import.meta.url));
  try {
    await access(`${beside}limits.wat`);
    return beside;
  } catch {
    return fileURLToPath(new URL('../../../host-node/conformance/probes/', import.meta.url));
  }
}

/** The bytes of one probe component. */
export async function buildProbe(name: ProbeName): Promise<Uint8Array> {
  const dir = await probesDir();
  const [wat, wit] = await Promise.all([readFile(`${dir}${name}.wat`, 'utf8'), readFile(`${dir}${name}.wit`, 'utf8')]);
  const embedded = await componentEmbed({ binary: await parse(wat), witSource: wit, world: `wasmhost:conformance/${name}` });
  return componentNew(embedded);
}
