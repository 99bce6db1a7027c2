import v8 from 'node:v8';
// The QuickJS component uses extended constant expressions; Node 20's V8 needs
// this flag before its core modules are compiled (see examples/README.md).
v8.setFlagsFromString('--experimental-wasm-extended-const');

import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { componentWit } from '@bytecodealliance/jco';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transpileComponent, trappingImports, type Transpiled } from './transpiled.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');
const BUILD = join(EXAMPLES, 'build.mjs');
const RUN_COMMAND = fileURLToPath(new URL('./run-command.mjs', import.meta.url));
const COMPONENTS = [
  'threshold-alarm-c/threshold-alarm.wasm',
  'sensor-filter-js/sensor-filter.wasm',
  'hello-command-c/hello.wasm',
  'message-relay-js/message-relay.wasm',
  'kv-counter-js/kv-counter.wasm',
  'greenhouse-panel-js/greenhouse-panel.wasm',
];

const run = promisify(execFile);
const CLANG = process.env.CLANG ?? 'clang';
const HAS_CLANG = spawnSync(CLANG, ['--version']).status === 0;
const NO_CLANG = 'SKIPPED: clang not found; install clang lld wasi-libc libclang-rt-dev-wasm32';

const worldOf = async (path: string) => (await componentWit(await readFile(path))).trim();

/** The `<!-- world: path -->` + ```wit blocks of examples/README.md, by path. */
async function documentedWorlds(): Promise<Map<string, string>> {
  const readme = await readFile(join(EXAMPLES, 'README.md'), 'utf8');
  const blocks = readme.matchAll(/<!-- world: (\S+) -->\s*```wit\n([\s\S]*?)```/g);
  return new Map([...blocks].map((m) => [m[1], m[2].trim()]));
}

describe('example components', () => {
  it('have exactly the worlds examples/README.md documents', async () => {
    const documented = await documentedWorlds();
    expect([...documented.keys()].sort()).toEqual([...COMPONENTS].sort());
    for (const path of COMPONENTS) {
      expect(await worldOf(join(EXAMPLES, path)), path).toBe(documented.get(path));
    }
  });

  (HAS_CLANG ? it : it.skip)(
    `rebuild from source with the committed worlds${HAS_CLANG ? '' : ` (${NO_CLANG})`}`,
    async () => {
      const out = await mkdtemp(join(tmpdir(), 'wasmhost-examples-out-'));
      try {
        const { stdout } = await run(process.execPath, [BUILD, '--out', out], { cwd: ROOT });
        expect(stdout).toContain(`wit/ parses; ${COMPONENTS.length} components built`);
        for (const path of COMPONENTS) {
          expect(await worldOf(join(out, path)), path).toBe(await worldOf(join(EXAMPLES, path)));
        }
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    },
    180_000,
  );

  it('build fails naming clang when it is missing', async () => {
    const result = await run(process.execPath, [BUILD, '--out', tmpdir()], {
      cwd: ROOT,
      env: { ...process.env, CLANG: '/nonexistent/clang' },
    }).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(result?.code).toBe(1);
    expect(result?.stderr).toMatch(/clang not found \(tried "\/nonexistent\/clang"\)/);
  });
});

type Log = [level: string, context: string, message: string];

describe('threshold-alarm-c under jco', () => {
  let component: Transpiled;
  beforeAll(async () => {
    component = await transpileComponent(join(EXAMPLES, 'threshold-alarm-c/threshold-alarm.wasm'));
  });
  afterAll(() => component?.dispose());

  /** A fresh instance with stub imports that record what the component does. */
  async function start(config: Record<string, string | Error>, failOnSet?: number) {
    const logs: Log[] = [];
    const sets: [string, number][] = [];
    const instance = await component.instantiate({
      'wasi:logging/logging': { log: (...entry: Log) => logs.push(entry) },
      'wasi:config/store': {
        get: (key: string) => {
          const value = config[key];
          if (value instanceof Error) throw { tag: 'upstream', val: value.message };
          return value;
        },
        getAll: () => [],
      },
      'wasmhost:device/actuators': {
        set: (name: string, value: number) => {
          sets.push([name, value]);
          if (value === failOnSet) throw { tag: 'unavailable', val: 'peer offline' };
        },
        list: () => [],
      },
    });
    return { instance, logs, sets };
  }

  it('imports only logging, config and actuators', () => {
    expect([...component.imports].sort()).toEqual(
      ['wasi:config/store', 'wasi:logging/logging', 'wasmhost:device/actuators'],
    );
  });

  it('process smooths, logs threshold crossings and drives the actuator', async () => {
    const { instance, logs, sets } = await start({ threshold: '25', actuator: 'fan' }, 0);
    const outputs = [20, 24, 40, 40, 10, 10, 10].map((c) => instance.process(c));
    expect(outputs).toEqual([20, 21, 25.75, 29.3125, 24.484375, 20.86328125, 18.1474609375]);
    expect(sets).toEqual([['fan', 1], ['fan', 0]]);
    expect(logs).toEqual([
      ['warn', 'threshold-alarm', 'smoothed 25.8 Cel rose above threshold 25.0 Cel'],
      ['info', 'threshold-alarm', 'smoothed 24.5 Cel fell back below threshold 25.0 Cel'],
      ['error', 'threshold-alarm', 'cannot set actuator "fan": unavailable: peer offline'],
    ]);
  });

  it('classify describes a temperature against the default threshold (30)', async () => {
    const { instance, logs } = await start({});
    expect(instance.classify('greenhouse', 31.25)).toBe('greenhouse: 31.3 Cel hot');
    expect(instance.classify('ünïcode', 22)).toBe('ünïcode: 22.0 Cel normal');
    expect(instance.classify('attic', 27)).toBe('attic: 27.0 Cel warm');
    expect(instance.classify('cellar', 5)).toBe('cellar: 5.0 Cel cold');
    expect(instance.classify('x', -3.25)).toBe('x: -3.3 Cel freezing');
    expect(instance.classify('', -0.04)).toBe(': 0.0 Cel freezing');
    expect(logs).toEqual([]);
  });

  it('on-reading converts kelvin, and rejects other units', async () => {
    const { instance, logs } = await start({ threshold: '26' });
    const handler = instance.readingHandler;
    expect(handler.onReading('boiler', { value: 300, unit: 'K', timestampMs: 1_700_000_000_000n })).toBeUndefined();
    expect(logs).toEqual([['warn', 'threshold-alarm', 'boiler: smoothed 26.9 Cel rose above threshold 26.0 Cel']]);
    expect(() => handler.onReading('hum', { value: 40, unit: '%RH', timestampMs: 0n })).toThrow(
      expect.objectContaining({ payload: 'unit "%RH" of sensor "hum" is not a temperature (want Cel or K)' }),
    );
  });

  it('logs bad or failing config and keeps the default', async () => {
    const { instance, logs } = await start({ threshold: 'warm', actuator: new Error('vault down') });
    expect(instance.classify('a', 29.9)).toBe('a: 29.9 Cel warm');
    expect(instance.classify('a', 30)).toBe('a: 30.0 Cel hot');
    expect(logs).toEqual([
      ['warn', 'threshold-alarm', 'config "threshold" is not a number: "warm"; using 30.0 Cel'],
      ['warn', 'threshold-alarm', 'config "actuator" upstream error: vault down'],
    ]);
  });
});

describe('sensor-filter-js under jco (QuickJS)', () => {
  let component: Transpiled;
  beforeAll(async () => {
    component = await transpileComponent(join(EXAMPLES, 'sensor-filter-js/sensor-filter.wasm'));
  });
  afterAll(() => component?.dispose());

  async function start(config: Record<string, string>, series: Record<string, number[]>) {
    const logs: Log[] = [];
    const wasiCalls: string[] = [];
    const wasi = component.imports.filter((name) => /^wasi:(cli|io|clocks|filesystem|random)\//.test(name));
    const instance = await component.instantiate({
      ...trappingImports(wasi, wasiCalls),
      'wasi:logging/logging': { log: (...entry: Log) => logs.push(entry) },
      'wasi:config/store': { get: (key: string) => config[key], getAll: () => [] },
      'wasmhost:device/sensors': {
        read: (name: string) => {
          if (name === 'p7/soil') throw { tag: 'unavailable', val: 'peer offline' };
          const values = series[name];
          if (!values) throw { tag: 'not-found' };
          return { value: values.shift(), unit: 'Cel', timestampMs: 1_700_000_000_000n };
        },
        list: () => [],
      },
      'wasmhost:device/actuators': { set: () => {}, list: () => [] },
    });
    return { instance, logs, wasiCalls };
  }

  it('process is a moving average over the configured window', async () => {
    const { instance, wasiCalls } = await start({ window: '4' }, {});
    expect([1, 2, 3, 4, 5, 6].map((v) => instance.process(v))).toEqual([1, 1.5, 2, 2.5, 3.5, 4.5]);
    expect(wasiCalls).toEqual([]);
  });

  it('sample reads the sensor, drops anomalies and returns the average', async () => {
    const { instance, logs, wasiCalls } = await start({ window: '4' }, { t1: [20, 21, 22, 21, 60, 22] });
    const values = Array.from({ length: 6 }, () => instance.sample('t1'));
    expect(values.map((r) => r.value)).toEqual([20, 20.5, 21, 21, 21, 21.5]);
    expect(values[0]).toEqual({ value: 20, unit: 'Cel', timestampMs: 1_700_000_000_000n });
    expect(logs).toEqual([['warn', 'sensor-filter', 't1: 60 Cel dropped as an anomaly (mean 21.00, sd 0.71)']]);
    expect(wasiCalls).toEqual([]);
  });

  it('follows a slowly drifting sensor after a quiet spell, and still drops a single spike', async () => {
    // Quiet at 21.00 (sd 0.005), then a steady drift of +0.05 per reading with one spike at 30.
    const drift = Array.from({ length: 40 }, (_, i) => Math.round((21.05 + 0.05 * i) * 100) / 100);
    drift.splice(20, 0, 30);
    const series = [21, 21.01, 21, 21.01, 21, ...drift];
    const { instance, logs } = await start({}, { t: [...series] });
    const values = series.map(() => instance.sample('t').value);
    // The output keeps up with the sensor: at the end within a few steps of its value.
    expect(values.at(-1)).toBeGreaterThan(series.at(-1)! - 0.2);
    expect(logs).toEqual([['warn', 'sensor-filter', 't: 30 Cel dropped as an anomaly (mean 21.90, sd 0.07)']]);
  });

  it('follows a level change after follow-after anomalies in a row on the same side', async () => {
    const { instance, logs } = await start({ window: '4' }, { t: [20, 20.1, 19.9, 20, 25, 25.1, 24.9, 25, 25] });
    const values = Array.from({ length: 9 }, () => instance.sample('t').value);
    expect(values.slice(4, 6)).toEqual([20, 20]);
    expect(values[6]).toBeCloseTo(25, 5);
    expect(values.at(-1)).toBeCloseTo(25, 1);
    expect(logs.map((l) => l[0])).toEqual(['warn', 'warn', 'info']);
    expect(logs[2][2]).toBe('t: following the signal to 24.9 Cel (3 readings in a row away from mean 20.00)');
  });

  it('sample turns sensor errors into err strings', async () => {
    const { instance } = await start({}, {});
    expect(() => instance.sample('nope')).toThrow(expect.objectContaining({ payload: 'nope: not-found' }));
    expect(() => instance.sample('p7/soil')).toThrow(
      expect.objectContaining({ payload: 'p7/soil: unavailable: peer offline' }),
    );
  });

  it('on-reading filters pushed readings with the default window of 5', async () => {
    const { instance, logs } = await start({}, { s: [] });
    const handler = instance.readingHandler;
    for (const value of [10, 10.5, 9.5, 10, 10.5, 10]) {
      expect(handler.onReading('s', { value, unit: 'Cel', timestampMs: 1n })).toBeUndefined();
    }
    expect(handler.onReading('s', { value: 30, unit: 'Cel', timestampMs: 2n })).toBeUndefined();
    expect(logs).toEqual([['warn', 'sensor-filter', 's: 30 Cel dropped as an anomaly (mean 10.10, sd 0.37)']]);
    expect(() => handler.onReading('s', { value: NaN, unit: 'Cel', timestampMs: 3n })).toThrow(
      expect.objectContaining({ payload: 's: reading is not a finite number' }),
    );
  });
});

describe('hello-command-c as a wasi:cli command', () => {
  /** Runs hello.wasm in a child process (exit codes end the process). */
  function runHello(config: { args: string[]; env?: Record<string, string>; preopens?: Record<string, string> }) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [RUN_COMMAND, join(EXAMPLES, 'hello-command-c/hello.wasm'), JSON.stringify(config)], { cwd: ROOT });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('prints args and $GREETING, lists, reads and writes /data, exits with the asked code', async () => {
    const data = await mkdtemp(join(tmpdir(), 'wasmhost-hello-data-'));
    try {
      await writeFile(join(data, 'note.txt'), 'hello from the host\n');
      await mkdir(join(data, 'b.dir'));
      const args = ['hello', '--list', '--cat', 'note.txt', '--write', 'out.txt', 'written by wasm', '--exit', '3'];
      const result = await runHello({ args, env: { GREETING: 'Hej' }, preopens: { '/data': data } });
      expect(result).toEqual({
        code: 3,
        stdout: [
          'argc=9',
          ...args.map((a, i) => `argv[${i}]=${a}`),
          'Hej from a wasm command',
          '/data: 2 entries',
          '  b.dir',
          '  note.txt',
          'hello from the host',
          'wrote /data/out.txt',
          '',
        ].join('\n'),
        stderr: 'hello: done\n',
      });
      expect(await readFile(join(data, 'out.txt'), 'utf8')).toBe('written by wasm\n');
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  }, 60_000);

  it('without a /data preopen reports it on stderr and exits 1', async () => {
    const result = await runHello({ args: ['hello', '--list'], env: {}, preopens: {} });
    expect(result).toEqual({
      code: 1,
      stdout: 'argc=2\nargv[0]=hello\nargv[1]=--list\nHello from a wasm command\n',
      stderr: 'hello: cannot open /data: Capabilities insufficient\nhello: done\n',
    });
  }, 60_000);
});
