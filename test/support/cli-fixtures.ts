// Builds the small WAT components in test/fixtures/cli/ (each `<name>.wat` with `<name>.wit`,
// world `<name>`; or a component-model `<name>.component.wat` alone) into a temporary folder.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';

const DIR = fileURLToPath(new URL('../fixtures/cli/', import.meta.url));
let out: Promise<string> | undefined;

/** The bytes of a fixture component, built from its WAT (and WIT) sources. */
export async function buildCliFixture(name: string): Promise<Uint8Array> {
  if (name.endsWith('.component')) return parse(await readFile(join(DIR, `${name}.wat`), 'utf8'));
  const [wat, wit] = await Promise.all([readFile(join(DIR, `${name}.wat`), 'utf8'), readFile(join(DIR, `${name}.wit`), 'utf8')]);
  const embedded = await componentEmbed({ binary: await parse(wat), witSource: wit, world: name });
  return componentNew(embedded);
}

/** A fixture component written to a file, for CLI runs. */
export async function cliFixturePath(name: string): Promise<string> {
  out ??= mkdtemp(join(tmpdir(), 'wasmhost-cli-fixtures-'));
  const path = join(await out, `${name}.wasm`);
  await writeFile(path, await buildCliFixture(name));
  return path;
}
