// The suite stands on its own: a clone with nothing beside it passes. Two checks:
// no test, bench or vitest config names a path outside the repository, and every
// fixture builds from a copy of test/fixtures + test/support placed outside it
// (with only node_modules linked), byte for byte as it builds here.
import { cp, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { WAT_FIXTURES, buildWatComponent } from '../support/wat-components.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The folder beside the repository that a user's clone does not have; spelled in pieces
// so that this file does not match the pattern it looks for.
const SHARED = new RegExp(['shared', '\\/fixtures|\\.\\.\\/', 'shared\\b'].join(''));

/** Source files under `dir` (recursively), skipping generated and installed folders. */
async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') out.push(...await sources(path));
    } else if (/\.(ts|mts|js|mjs|json|sh)$/.test(entry.name)) out.push(path);
  }
  return out;
}

/**
 * Relative paths in `text` (string literals starting with `../`) that leave the repository
 * when resolved from `file`, and also from its compiled copy under dist/ (benches run from there).
 */
function escapes(file: string, text: string): string[] {
  const literals = [...text.matchAll(/['"`](\.\.\/[^'"`\s]*)['"`]/g)].map((m) => m[1]);
  const outside = (from: string, p: string) => relative(ROOT, resolve(from, p)).startsWith('..');
  const compiled = join(ROOT, 'dist', relative(ROOT, dirname(file)));
  return literals.filter((p) => outside(dirname(file), p) && outside(compiled, p));
}

describe('the test suite is self-contained', () => {
  it('no test, bench or vitest config reads the shared folder beside the clone or another path outside the repository', async () => {
    const configs = (await readdir(ROOT)).filter((f) => f.startsWith('vitest.config.')).map((f) => join(ROOT, f));
    const files = [...await sources(join(ROOT, 'test')), ...await sources(join(ROOT, 'bench')), ...configs];
    expect(files.length).toBeGreaterThan(50);
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      if (SHARED.test(text)) offenders.push(`${relative(ROOT, file)}: names the shared folder beside the clone`);
      for (const p of escapes(file, text)) offenders.push(`${relative(ROOT, file)}: ${p} leaves the repository`);
    }
    expect(offenders).toEqual([]);
  });

  const copies: string[] = [];
  afterAll(() => Promise.all(copies.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('every fixture builds from a copy of test/fixtures and test/support outside the repository', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'wasmhost-standalone-'));
    copies.push(copy);
    expect(relative(ROOT, copy).startsWith('..')).toBe(true);
    await cp(join(ROOT, 'test/fixtures/wat'), join(copy, 'test/fixtures/wat'), { recursive: true });
    await cp(join(ROOT, 'test/support'), join(copy, 'test/support'), { recursive: true });
    await symlink(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const moved = (await import(pathToFileURL(join(copy, 'test/support/wat-components.ts')).href)) as typeof import('../support/wat-components.js');
    expect(moved.WAT_FIXTURES).toEqual(WAT_FIXTURES);
    for (const name of WAT_FIXTURES) {
      expect(await moved.buildWatComponent(name), name).toEqual(await buildWatComponent(name));
    }
  });
});
