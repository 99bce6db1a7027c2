// `check` predicts what `run` can run: what this engine cannot run is refused by both, in one
// line naming the reason and what would make it run (before the fix, check said yes and run failed).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliFixturePath } from '../../support/cli-fixtures.js';
import { httpEchoPath } from '../../support/http-fixture.js';
import { wasmhost } from './run-cli.js';

let env: Record<string, string>;
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-engine-'));
  env = { WASMHOST_CACHE_DIR: join(dir, 'cache'), WASMHOST_STATE_DIR: dir };
});

/** [fixture, call, what the one line must say, what would make it run] */
const REFUSED: [string, string, RegExp, RegExp][] = [
  ['gc', 'area()', /core module 0 uses wasm-gc .* which V8 [\d.]+ \(Node [\d.]+\) cannot compile/, /run it on an engine with wasm-gc/],
  ['async-export.component', 'tick()', /async component model \(WASI P3: async func tick\), which needs JS Promise Integration/, /build it for WASI 0\.2/],
  ['stream-export.component', 'open()', /async component model \(WASI P3: stream<u8> in open\)/, /build it for WASI 0\.2/],
];

// Node 20's V8: no wasm-gc, no JSPI (newer engines run some of these).
describe.skipIf(Number(process.versions.node.split('.')[0]) > 20)('what this engine cannot run', () => {
  it.each(REFUSED)('%s: check refuses it (exit 3) on one line with the fix', async (name, _call, reason, fix) => {
    const check = wasmhost(['check', await cliFixturePath(name), '--grant', 'network'], env);
    expect(check.code).toBe(3);
    const lines = check.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(reason);
    expect(lines[1]).toMatch(fix);
  });

  it.each(REFUSED)('%s: run refuses it before transpiling, on one line with the fix', async (name, call, reason, fix) => {
    for (const args of [['--invoke', call], []]) {
      const run = wasmhost(['run', await cliFixturePath(name), ...args, '--grant', 'network'], env);
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/error\[unsupported\]: .*cannot run here: /);
      expect(run.stderr).toMatch(reason);
      expect(run.stderr).toMatch(fix);
    }
  });
});

describe('HTTP handlers are served, not called', () => {
  it('check accepts one on this Linux device (serve-http or the agent serve it)', async () => {
    expect(wasmhost(['check', await cliFixturePath('http-handler')], env)).toMatchObject({ code: 0 });
  });

  it('run refuses it before transpiling, naming serve-http', async () => {
    const run = wasmhost(['run', await cliFixturePath('http-handler'), '--invoke', 'handle()'], env);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/error\[unsupported\]: .*HTTP component \(it exports wasi:http\/incoming-handler@0\.2\.3\): its handler takes a request .* so it is served, not called/);
    expect(run.stderr).toMatch(/wasmhost serve-http .*http-handler\.wasm --listen 127\.0\.0\.1:8080/);
  });

  it('check refuses it on a browser device, which has no HTTP listener', async () => {
    const linux = JSON.parse(wasmhost(['device', '--json'], env).stdout) as { 'x-wasmhost-extensions': { class: string } };
    linux['x-wasmhost-extensions'].class = 'browser';
    const path = join(env.WASMHOST_STATE_DIR!, 'browser.json');
    await writeFile(path, JSON.stringify(linux));
    const check = wasmhost(['check', await cliFixturePath('http-handler'), '--device', path], env);
    expect(check.code).toBe(3);
    expect(check.stdout).toMatch(/a device of class browser has no HTTP listener to serve it from/);
  });

  it('check --class browser refuses outgoing HTTP with the reason', async () => {
    const check = wasmhost(['check', await httpEchoPath(), '--class', 'browser'], env);
    expect(check.code).toBe(3);
    expect(check.stdout).toMatch(/it sends HTTP requests \(it imports wasi:http\/outgoing-handler@0\.2\.12\), which a page does not offer: .*cannot wait for without JSPI/);
    expect(check.stdout).toMatch(/deploy it to a Linux device, with the origins it may reach in grants\.http\.allow/);
  });
});

describe('wasi:sockets needs the network grant', () => {
  it('check refuses a sockets import without it, in one line naming the grant, and accepts it with it', async () => {
    const path = await cliFixturePath('sockets');
    const refused = wasmhost(['check', path], env);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain('(1 problem)');
    expect(refused.stdout).toMatch(/wasi:sockets\/network@0\.2\.3, wasi:sockets\/instance-network@0\.2\.3: not granted \(the deployment needs a 'network' grant\)/);
    expect(wasmhost(['check', path, '--grant', 'network'], env)).toMatchObject({ code: 0 });
  });

  it('run refuses it without the grant (instead of failing inside the guest) and runs it with', async () => {
    const path = await cliFixturePath('sockets');
    const refused = wasmhost(['run', path, '--invoke', 'probe()'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error\[denied\]: .*\n {2}wasi:sockets\/network@0\.2\.3, wasi:sockets\/instance-network@0\.2\.3: not granted/);
    expect(wasmhost(['run', path, '--invoke', 'probe()', '--grant', 'network'], env)).toMatchObject({ code: 0, stdout: '1\n' });
  });
});
