// jco run in a child process: the same artifact as in this thread, errors as WasmhostErrors,
// and a child that dies reported as a failed transpile, not a hang.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createProcessTranspiler } from '../../host-node/transpile-process.js';
import { transpileWithJco } from '../../src/component/transpile.js';
import { WasmhostError } from '../../src/errors.js';
import { watComponentPath } from '../support/wat-components.js';

describe('the transpiler process', () => {
  it('produces the artifact jco produces in this thread', async () => {
    const bytes = new Uint8Array(await readFile(await watComponentPath('strings')));
    const [child, here] = await Promise.all([createProcessTranspiler()(bytes, 'sha256:test'), transpileWithJco(bytes, 'sha256:test')]);
    expect(child.glue).toBe(here.glue);
    expect(Object.keys(child.coreModules).sort()).toEqual(Object.keys(here.coreModules).sort());
    for (const [name, data] of Object.entries(here.coreModules)) expect(Buffer.from(child.coreModules[name]).equals(Buffer.from(data))).toBe(true);
  });

  it('a component jco refuses fails with transpile-failed, as in this thread', async () => {
    const error = await createProcessTranspiler()(new Uint8Array([0, 97, 115, 109, 13, 0, 1, 0, 9, 9]), 'sha256:bad').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WasmhostError);
    expect(error).toMatchObject({ code: 'transpile-failed', message: expect.stringContaining('sha256:bad') });
  });

  it('a child that dies without answering (out of memory here) is a failed transpile naming why', async () => {
    const transpile = createProcessTranspiler({ execArgv: ['--max-old-space-size=4'] });
    const error = await transpile(new Uint8Array(8), 'sha256:dead').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'transpile-failed', message: expect.stringMatching(/^the transpiler process for sha256:dead ended \((code \d+|signal SIG\w+)\) without an answer/) });
  });

  it('runs one transpile at a time; a failure does not stop the next', async () => {
    const transpile = createProcessTranspiler();
    const bytes = new Uint8Array(await readFile(await watComponentPath('scalars')));
    const results = await Promise.allSettled([transpile(new Uint8Array(4), 'sha256:bad'), transpile(bytes, 'sha256:good')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
  });

  it('bundled with its own WASI instead of preview2-shim, the child produces the same artifact', async () => {
    const build = new URL('../../host-node/build-cli.mjs', import.meta.url).href;
    const { bundleTranspileChild } = (await import(build)) as { bundleTranspileChild(outfile: string): Promise<void> };
    const outfile = join(await mkdtemp(join(tmpdir(), 'wasmhost-child-')), 'transpile-child.bundle.js');
    await bundleTranspileChild(outfile);
    expect(await readFile(outfile, 'utf8')).not.toContain('preview2-shim');
    const bytes = new Uint8Array(await readFile(await watComponentPath('strings')));
    const [child, here] = await Promise.all([createProcessTranspiler({ childUrl: pathToFileURL(outfile) })(bytes, 'sha256:test'), transpileWithJco(bytes, 'sha256:test')]);
    expect(child.glue).toBe(here.glue);
    for (const [name, data] of Object.entries(here.coreModules)) expect(Buffer.from(child.coreModules[name]).equals(Buffer.from(data))).toBe(true);
    // jco's own refusal still comes back as such.
    const error = await createProcessTranspiler({ childUrl: pathToFileURL(outfile) })(new Uint8Array([0, 97, 115, 109, 13, 0, 1, 0, 9, 9]), 'sha256:bad').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'transpile-failed', message: expect.stringContaining('sha256:bad') });
  });
});
