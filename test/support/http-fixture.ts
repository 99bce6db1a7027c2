// Builds the hand-written wasi:http handler (test/fixtures/http/echo.wat) against the vendored
// wasi:http WIT in wit/deps, into a temporary file.
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPS = ['http', 'io', 'clocks', 'cli', 'random', 'filesystem', 'sockets'];
let built: Promise<string> | undefined;

/** The path of the built echo handler (built once per test file). */
export function httpEchoPath(): Promise<string> {
  built ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasmhost-http-fixture-'));
    await cp(join(ROOT, 'test/fixtures/http/wit/world.wit'), join(dir, 'wit', 'world.wit'));
    for (const dep of DEPS) await cp(join(ROOT, 'wit/deps', dep), join(dir, 'wit', 'deps', dep), { recursive: true });
    const wat = await readFile(join(ROOT, 'test/fixtures/http/echo.wat'), 'utf8');
    const embedded = await componentEmbed({ binary: await parse(wat), witPath: join(dir, 'wit'), world: 'http-echo' });
    const path = join(dir, 'http-echo.wasm');
    await writeFile(path, await componentNew(embedded));
    return path;
  })();
  return built;
}
