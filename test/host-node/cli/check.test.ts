import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew } from '@bytecodealliance/jco';
import { beforeAll, describe, expect, it } from 'vitest';
import { watComponentPath } from '../../support/wat-components.js';
import { wasmhost } from './run-cli.js';
import { check } from '../../support/margo-rc3/schemas.js';

const FILTER = 'examples/sensor-filter-js/sensor-filter.wasm';
const HELLO = 'examples/hello-command-c/hello.wasm';
let dir: string;
let env: Record<string, string>;
let linux: Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wasmhost-check-'));
  env = { WASMHOST_CACHE_DIR: join(dir, 'cache'), WASMHOST_STATE_DIR: dir };
  linux = JSON.parse(wasmhost(['device', '--json'], env).stdout);
});

async function file(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(content));
  return path;
}

/** This device's manifest with some interfaces taken away, as another device would be. */
function without(manifest: Record<string, unknown>, prefix: string, cls: string): Record<string, unknown> {
  const copy = structuredClone(manifest) as { 'x-wasmhost-extensions': { class: string; interfaces: { name: string }[] } };
  copy['x-wasmhost-extensions'].class = cls;
  copy['x-wasmhost-extensions'].interfaces = copy['x-wasmhost-extensions'].interfaces.filter((i) => !i.name.startsWith(prefix));
  return copy;
}

describe('wasmhost device', () => {
  it('prints this device as a Margo DeviceCapabilitiesManifest with the Wasm facts as an extension', () => {
    // Margo rc.3's shape: properties (with `cpus`), labels and extensions only.
    expect(check('capabilities', linux)).toEqual([]);
    expect(linux).not.toHaveProperty('apiVersion');
    const ext = (linux as { 'x-wasmhost-extensions': { class: string; interfaces: { name: string; version: string; grant?: string }[] } })['x-wasmhost-extensions'];
    expect(ext.class).toBe('linux');
    expect(ext.interfaces).toContainEqual({ name: 'wasmhost:device/sensors', version: '0.1.0', grant: 'sensors' });
    expect(ext.interfaces).toContainEqual({ name: 'wasi:logging/logging', version: '0.1.0-draft' });
  });
});

describe('wasmhost check', () => {
  it('exits 0 when the component can run here, 3 with a report naming each missing grant', () => {
    const refused = wasmhost(['check', FILTER], env);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain("wasmhost:device/sensors@0.1.0: not granted (the deployment needs a 'sensors' grant)");
    expect(wasmhost(['check', FILTER, '--grant', 'sensors', '--grant', 'actuators'], env).code).toBe(0);
  });

  it('reports a missing import and an incompatible version exactly', async () => {
    const result = wasmhost(['check', await watComponentPath('imports-logging'), '--json'], env);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout).problems).toEqual([{ kind: 'import', import: 'example:missing/thing@2.0.0', reason: 'not-provided' }]);
    const old = without(linux, 'wasi:logging', 'linux');
    (old['x-wasmhost-extensions'] as { interfaces: object[] }).interfaces.push({ name: 'wasi:logging/logging', version: '0.1.0-draft2' });
    const versioned = wasmhost(['check', 'examples/threshold-alarm-c/threshold-alarm.wasm', '--grant', 'actuators', '--device', await file('old.json', old)], env);
    expect(versioned.stdout).toContain('wasi:logging/logging@0.1.0-draft: this host offers version 0.1.0-draft2, none compatible with it');
  });

  it('refuses on a browser device what a browser lacks (a filesystem)', async () => {
    const browser = await file('browser.json', without(linux, 'wasi:filesystem', 'browser'));
    const result = wasmhost(['check', HELLO, '--device', browser], env);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('wasi:filesystem/types@0.2.12: not provided by this host');
  });

  it('answers a fleet query: who can run it, and why each other device cannot', async () => {
    const fleet = join(dir, 'fleet');
    await mkdir(fleet);
    await writeFile(join(fleet, 'gateway.json'), JSON.stringify(linux));
    await writeFile(join(fleet, 'kiosk.json'), JSON.stringify(without(linux, 'wasi:filesystem', 'browser')));
    await writeFile(join(fleet, 'panel.json'), JSON.stringify(without(linux, 'wasi:cli', 'browser')));
    const result = wasmhost(['check', HELLO, '--fleet', fleet, '--json'], env);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.compatible).toEqual(['gateway']);
    expect(report.incompatible.map((d: { name: string }) => d.name)).toEqual(['kiosk', 'panel']);
  });

  it('evaluates Margo eligibility rules and names a malformed one', async () => {
    const arm = await file('arm.json', { eligibilityRules: [{ propertySelector: { matchExpressions: [{ key: '/cpus/0/architecture', operator: 'In', values: ['arm64'] }] } }] });
    const result = wasmhost(['check', HELLO, '--constraints', arm], env);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('/cpus/0/architecture');
    const bad = await file('bad.json', { eligibilityRules: [{ propertySelector: { matchExpressions: [{ key: '/id', operator: 'Eq', values: ['x'] }] } }] });
    const malformed = wasmhost(['check', HELLO, '--constraints', bad], env);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain("eligibilityRules[0].propertySelector.matchExpressions[0].operator: unknown operator 'Eq'");
  });
});

describe('wasmhost check --class', () => {
  /** A component importing everything a class world offers, built from wit/workload.wit. */
  async function classComponent(world: string): Promise<string> {
    const wit = fileURLToPath(new URL('../../../wit', import.meta.url));
    const path = join(dir, `${world}.wasm`);
    await writeFile(path, await componentNew(await componentEmbed({ dummy: true, witPath: wit, world })));
    return path;
  }

  it('answers for every device of a class: a linux-app component runs on linux, not in a browser (no sockets)', async () => {
    const linuxApp = await classComponent('linux-app');
    const grants = ['--grant', 'sensors', '--grant', 'actuators', '--grant', 'keyvalue=b', '--grant', 'publish=out/#', '--grant', 'network'];
    const onLinux = wasmhost(['check', linuxApp, '--class', 'linux', ...grants], env);
    expect(onLinux.stdout).toBe('linux-class: can run the component\n');
    expect(onLinux.code).toBe(0);
    const inBrowser = wasmhost(['check', linuxApp, '--class', 'browser', ...grants, '--json'], env);
    expect(inBrowser.code).toBe(3);
    const problems = JSON.parse(inBrowser.stdout).problems as { kind: string; import?: string; reason?: string; grant?: string }[];
    expect(problems).toContainEqual({ kind: 'import', import: 'wasi:sockets/tcp@0.2.12', reason: 'not-provided' });
    expect(problems).toContainEqual({ kind: 'grant', grant: 'network', deviceClass: 'browser' });
    const browserApp = await classComponent('browser-app');
    expect(wasmhost(['check', browserApp, '--class', 'browser', ...grants.slice(0, 8)], env).code).toBe(0);
  });

  it('refuses a class that runs no components, naming the classes that do', () => {
    const result = wasmhost(['check', HELLO, '--class', 'embedded-peer'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--class embedded-peer: expected one of browser, linux');
  });
});
