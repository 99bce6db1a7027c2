#!/usr/bin/env node
// Rebuilds the example components from their sources and checks that wit/ parses.
//
//   node examples/build.mjs [--out DIR]      (npm run build:examples)
//
// Output: <DIR>/<example>/<name>.wasm; DIR defaults to examples/ itself, so the
// components land beside their sources. WASMHOST_EXAMPLES_OUT sets DIR too.
// Tools: clang (CLANG=...), wasm-ld, wasi-libc, compiler-rt for wasm32
// (Debian: clang lld wasi-libc libclang-rt-dev-wasm32); WASI_SYSROOT points
// clang at another wasi-libc (e.g. a wasi-sdk sysroot).

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  componentEmbed,
  componentNew,
  preview1AdapterCommandPath,
} from '@bytecodealliance/jco';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WIT = join(ROOT, 'wit');
const EXAMPLES = join(ROOT, 'examples');
const CLANG = process.env.CLANG ?? 'clang';
const JCO_CLI = fileURLToPath(new URL('./jco.js', import.meta.resolve('@bytecodealliance/jco')));

/** Worlds of wit/ that must parse (each is embedded into a dummy module). */
const WIT_WORLDS = ['wasmhost:workload/sensor-app', 'wasmhost:workload/message-app', 'wasmhost:workload/browser-app', 'wasmhost:workload/linux-app', 'wasmhost:workload/capabilities'];

// Compile with -O2 but link without any -O flag: at link time with -O, clang
// runs whatever wasm-opt it finds on PATH (npm puts binaryen's there), which
// would make the output depend on how the build was started.
const C_COMPILE_FLAGS = ['--target=wasm32-wasi', '-O2', '-Wall', '-Wextra', '-c'];
const C_LINK_FLAGS = ['--target=wasm32-wasi', '-Wl,--strip-all'];

/** The examples: where their sources are, what they build into, and how. */
const BUILDS = [
  { dir: 'threshold-alarm-c', out: 'threshold-alarm.wasm', build: buildCReactor, source: 'threshold_alarm.c', world: 'threshold-alarm' },
  { dir: 'hello-command-c', out: 'hello.wasm', build: buildCCommand, source: 'hello.c', world: 'hello' },
  { dir: 'sensor-filter-js', out: 'sensor-filter.wasm', build: buildQuickJs, source: 'filter.js', world: 'sensor-filter' },
  { dir: 'message-relay-js', out: 'message-relay.wasm', build: buildQuickJs, source: 'relay.js', world: 'message-relay' },
  { dir: 'kv-counter-js', out: 'kv-counter.wasm', build: buildQuickJs, source: 'counter.js', world: 'kv-counter' },
  { dir: 'greenhouse-panel-js', out: 'greenhouse-panel.wasm', build: buildQuickJs, source: 'panel.js', world: 'greenhouse-panel' },
];

class BuildError extends Error {}

function parseArgs(argv) {
  let out = process.env.WASMHOST_EXAMPLES_OUT || EXAMPLES;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) out = argv[++i];
    else if (argv[i].startsWith('--out=')) out = argv[i].slice('--out='.length);
    else throw new BuildError(`unknown argument ${argv[i]}; usage: node examples/build.mjs [--out DIR]`);
  }
  return { out: resolve(out) };
}

function sysrootFlags() {
  return process.env.WASI_SYSROOT ? [`--sysroot=${process.env.WASI_SYSROOT}`] : [];
}

/** Fails with the name of every missing tool before anything is built. */
async function checkToolchain() {
  const missing = [];
  try {
    await run(CLANG, ['--version']);
  } catch {
    throw new BuildError(`clang not found (tried "${CLANG}"): install it (Debian: apt-get install clang lld wasi-libc libclang-rt-dev-wasm32) or set CLANG`);
  }
  const ask = async (...args) => (await run(CLANG, ['--target=wasm32-wasi', ...sysrootFlags(), ...args])).stdout.trim();
  const linker = await ask('-print-prog-name=wasm-ld');
  if (!existsSync(linker)) {
    try { await run(linker, ['--version']); } catch { missing.push('wasm-ld (Debian package lld)'); }
  }
  for (const file of ['libc.a', 'crt1-command.o', 'crt1-reactor.o']) {
    if (!existsSync(await ask(`-print-file-name=${file}`))) {
      missing.push(`wasi-libc's ${file} (Debian package wasi-libc, or set WASI_SYSROOT)`);
    }
  }
  if (!existsSync(await ask('--print-libgcc-file-name'))) {
    missing.push('compiler-rt builtins for wasm32 (Debian package libclang-rt-dev-wasm32)');
  }
  if (missing.length) throw new BuildError(`missing tools:\n  - ${missing.join('\n  - ')}`);
}

/** Checks that wit/ parses by embedding each of its worlds into a dummy module. */
async function checkWit() {
  for (const world of WIT_WORLDS) {
    try {
      await componentEmbed({ dummy: true, witPath: WIT, world });
    } catch (e) {
      const cause = (await witDiagnosis(world)) ?? e?.message ?? e;
      throw new BuildError(`wit/ does not parse (world ${world}): ${cause}`);
    }
  }
}

/**
 * jco's embed error says only "failed to parse package"; componentize-qjs's
 * parser names the cause (line, identifier). Best effort: undefined if that fails too.
 */
async function witDiagnosis(world) {
  const tmp = await mkdtemp(join(tmpdir(), 'wasmhost-wit-check-'));
  try {
    await writeFile(join(tmp, 'empty.js'), '');
    await run(process.execPath, [JCO_CLI, 'componentize', join(tmp, 'empty.js'), '--wit', WIT,
      '--world-name', world, '--backend', 'quickjs', '--backend-qjs-disable-async', '-o', join(tmp, 'out.wasm')]);
    return undefined;
  } catch (e) {
    const match = /parsing WIT for path \[[^\]]*\]: ([^\n]*)/.exec(e.stderr ?? '');
    return match?.[1].replace(/\]\s*\{?\s*$/, '');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Lays out the WIT an example builds against, as a Wasm author's project
 * would have it: its own world.wit, and wit/ (our packages) plus wit/deps/*
 * (the vendored WASI packages) as dependencies.
 */
async function exampleWit(tmp, example) {
  const dir = join(tmp, `${example.dir}-wit`);
  await mkdir(join(dir, 'deps', 'wasmhost'), { recursive: true });
  await cp(join(EXAMPLES, example.dir, 'world.wit'), join(dir, 'world.wit'));
  for (const entry of await readdir(WIT, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.wit')) {
      await cp(join(WIT, entry.name), join(dir, 'deps', 'wasmhost', entry.name));
    } else if (entry.isDirectory() && entry.name === 'deps') {
      for (const dep of await readdir(join(WIT, 'deps'), { withFileTypes: true })) {
        if (dep.isDirectory()) await cp(join(WIT, 'deps', dep.name), join(dir, 'deps', dep.name), { recursive: true });
      }
    }
  }
  return dir;
}

async function compileC(example, tmp, execModel) {
  const object = join(tmp, `${example.dir}.o`);
  const core = join(tmp, `${example.dir}.core.wasm`);
  const src = join(EXAMPLES, example.dir, example.source);
  try {
    for (const args of [
      [...C_COMPILE_FLAGS, ...sysrootFlags(), '-o', object, src],
      [...C_LINK_FLAGS, ...sysrootFlags(), `-mexec-model=${execModel}`, '-o', core, object],
    ]) {
      const { stderr } = await run(CLANG, args);
      if (stderr.trim()) console.warn(`${example.dir}: clang says:\n${stderr.trimEnd()}`);
    }
  } catch (e) {
    throw new BuildError(`${example.dir}: clang failed:\n${e.stderr || e.message}`);
  }
  return readFile(core);
}

/** C reactor: clang, then embed the world, then a component with no WASI adapter. */
async function buildCReactor(example, tmp) {
  const core = await compileC(example, tmp, 'reactor');
  const witPath = await exampleWit(tmp, example);
  const embedded = await componentEmbed({ binary: core, witPath, world: example.world });
  return componentNew(embedded);
}

/**
 * C command: clang (main, wasi-libc stdio), embed the world of its direct
 * imports, then a component through jco's preview1 command adapter, which
 * exports wasi:cli/run (as `jco new --wasi-command` does).
 */
async function buildCCommand(example, tmp) {
  const core = await compileC(example, tmp, 'command');
  const witPath = await exampleWit(tmp, example);
  const embedded = await componentEmbed({ binary: core, witPath, world: example.world });
  const adapter = await readFile(preview1AdapterCommandPath());
  return componentNew(embedded, [['wasi_snapshot_preview1', adapter]]);
}

/** JS: componentize-qjs through jco, sync QuickJS runtime. Paths must be absolute. */
async function buildQuickJs(example, tmp) {
  const witPath = await exampleWit(tmp, example);
  const out = join(tmp, example.out);
  const args = [
    JCO_CLI, 'componentize', join(EXAMPLES, example.dir, example.source),
    '--wit', witPath, '--world-name', example.world,
    '--backend', 'quickjs', '--backend-qjs-disable-async', '-o', out,
  ];
  try {
    await run(process.execPath, args, { maxBuffer: 16 << 20 });
  } catch (e) {
    throw new BuildError(`${example.dir}: jco componentize failed:\n${e.stderr || e.message}`);
  }
  return readFile(out);
}

async function main() {
  const started = performance.now();
  const { out } = parseArgs(process.argv.slice(2));
  await checkToolchain();
  await checkWit();
  const tmp = await mkdtemp(join(tmpdir(), 'wasmhost-examples-'));
  try {
    const results = await Promise.all(BUILDS.map(async (example) => {
      const t0 = performance.now();
      const bytes = await example.build(example, tmp);
      const target = join(out, example.dir, example.out);
      await mkdir(dirname(target), { recursive: true });
      const before = existsSync(target) ? await readFile(target) : undefined;
      await writeFile(target, bytes);
      const same = before !== undefined && Buffer.compare(before, bytes) === 0;
      return { target, size: bytes.length, ms: performance.now() - t0, same };
    }));
    for (const r of results) {
      const shown = relative(process.cwd(), r.target) || basename(r.target);
      console.log(`${shown}  ${r.size} bytes  ${r.ms.toFixed(0)} ms${r.same ? '  (unchanged)' : ''}`);
    }
    console.log(`wit/ parses; ${results.length} components built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`build:examples: ${e instanceof BuildError ? e.message : e?.stack ?? e}`);
  process.exit(1);
});
