// Builds the hand-written WAT test components in test/fixtures/wat/ with jco's
// own API (parse -> componentEmbed -> componentNew). Each `<name>.wat` is a core
// module implementing the canonical ABI by hand; `<name>.wit` holds the WIT,
// whose world is called `<name>`. A `<name>.wat` without a `.wit` is component-model
// text (nested components, canonical built-ins): `parse` alone gives the component.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';

/** Names of the WAT test components; each is `test/fixtures/wat/<name>.{wat,wit}`. */
export const WAT_COMPONENTS = [
  'scalars',
  'strings',
  'lists',
  'records-variants',
  'resources',
  'imports-logging',
  'many-arguments',
  'rich-types',
  'composed',
  'builtins',
] as const;

/**
 * Every WAT test component: the ones above, whose exports all return (tests call each of
 * them), and `runaway`, whose `spin` never does (only ever called in a worker with a limit).
 */
export const WAT_FIXTURES = [...WAT_COMPONENTS, 'runaway'] as const;

/** One of the WAT test components. */
export type WatComponentName = (typeof WAT_FIXTURES)[number];

const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/wat/', import.meta.url));

/** Reads the WAT and (for a core module) WIT sources of one component. */
async function readSources(name: WatComponentName | WorkerWatName): Promise<{ wat: string; wit?: string }> {
  const [wat, wit] = await Promise.all([
    readFile(join(FIXTURE_DIR, `${name}.wat`), 'utf8'),
    readFile(join(FIXTURE_DIR, `${name}.wit`), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    }),
  ]);
  return { wat, wit };
}

/**
 * Components run only in a worker with limits (`faults` traps, spins and hogs memory;
 * `log-ring` logs without end), so they are not among the fixtures every export of which is called.
 */
export type WorkerWatName = 'faults' | 'log-ring';

/** Builds one component from its WAT and WIT, in memory. */
export async function buildWatComponent(name: WatComponentName | WorkerWatName): Promise<Uint8Array> {
  const { wat, wit } = await readSources(name);
  const binary = await parse(wat);
  if (wit === undefined) return binary;
  const embedded = await componentEmbed({ binary, witSource: wit, world: name });
  return componentNew(embedded);
}

// Per-process memo: the build directory for the current sources, and one
// pending build per component.
let buildDir: Promise<string> | undefined;
const built = new Map<WatComponentName, Promise<string>>();

/** The installed jco version, so a jco upgrade rebuilds the components. */
async function jcoVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@bytecodealliance/jco');
  const manifest = join(dirname(entry), '..', 'package.json'); // entry is <pkg>/dist/api.js
  return (JSON.parse(await readFile(manifest, 'utf8')) as { version: string }).version;
}

/** The directory named after a hash of jco's version and all fixture sources, created if missing. */
function sourcesDir(): Promise<string> {
  buildDir ??= (async () => {
    const hash = createHash('sha256');
    hash.update(`${await jcoVersion()}\0`);
    for (const name of WAT_FIXTURES) {
      const { wat, wit } = await readSources(name);
      hash.update(`${name}\0${wat}\0${wit ?? ''}\0`);
    }
    const dir = join(tmpdir(), `wasmhost-wat-${hash.digest('hex').slice(0, 16)}`);
    await mkdir(dir, { recursive: true });
    return dir;
  })();
  buildDir.catch(() => (buildDir = undefined));
  return buildDir;
}

/**
 * Path of the built component file, building it at most once per test run.
 * Files are reused while the sources and jco are unchanged; a build writes a private
 * temporary file and renames it into place, so concurrent test files never
 * see a partial component.
 */
export function watComponentPath(name: WatComponentName): Promise<string> {
  let path = built.get(name);
  if (!path) {
    path = (async () => {
      const file = join(await sourcesDir(), `${name}.wasm`);
      if (await exists(file)) return file;
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(tmp, await buildWatComponent(name));
      await rename(tmp, file);
      return file;
    })();
    built.set(name, path);
    // A failed build is not cached, so the next caller sees the error afresh.
    path.catch(() => built.delete(name));
  }
  return path;
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Components written directly in component-model WAT (no WIT): `test/fixtures/wat/<name>.wat`. */
export type ComponentWatName = 'core-module-alias' | 'wit-package';

/** Builds one component-model WAT fixture, in memory. */
export async function buildComponentWat(name: ComponentWatName): Promise<Uint8Array> {
  return parse(await readFile(join(FIXTURE_DIR, `${name}.wat`), 'utf8'));
}
