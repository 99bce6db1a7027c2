import { withArticle } from '../../src/article.js';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WasmhostError } from '../../src/errors.js';
import type { Host } from '../../src/create-host.js';
import type { Grants } from '../../src/capabilities/grants.js';
import type { ConnectedPeer, DeviceProfile } from '../../src/device/profile.js';
import { readDeviceProfile, toDeviceCapabilitiesManifest } from '../../src/device/margo-capabilities.js';
import { parseDeviceConstraints, type DeviceConstraints } from '../../src/device/device-constraints.js';
import { fleetQuery, formatFleetReport, formatMatchReport, match } from '../../src/device/match.js';
import { linuxDeviceProfile } from '../device-identity.js';
import { classProfile, WORKLOAD_CLASSES } from '../../src/device/class-profile.js';
import { readComponentFile } from './read-component.js';
import { findEngineProblems, httpHandlerProblems, httpServingOf } from '../../src/component/engine-support.js';
import { nodeEngineFeatures } from './engine-features.js';
import { formatHttpReach, httpReach } from '../../src/capabilities/http-outgoing.js';

/** Exit code of `check` when the component cannot run (0: it can; 1: an error). */
export const INCOMPATIBLE = 3;

/** The jco version behind this host (its package.json is not exported, so find it beside the entry). */
function jcoVersion(): string {
  const require = createRequire(import.meta.url);
  const pkg = join(dirname(require.resolve('@bytecodealliance/jco')), '..', 'package.json');
  return (JSON.parse(require('node:fs').readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** This device's profile, as `wasmhost device` prints it. */
export function thisDevice(host: Host, stateDir: string, peers?: ConnectedPeer[], otelCollector = false): DeviceProfile {
  return linuxDeviceProfile(host, { stateDir, jcoVersion: jcoVersion(), peers, otelCollector });
}

/** `wasmhost device [--json]`: this device as a Margo DeviceCapabilitiesManifest. */
export function deviceCommand(host: Host, stateDir: string, json: boolean): number {
  const profile = thisDevice(host, stateDir);
  const manifest = toDeviceCapabilitiesManifest(profile);
  if (json) {
    process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
    return 0;
  }
  const { identity, resources } = profile;
  const lines = [
    `device ${identity.id} (class ${profile.class}, engine ${profile.wasm.engine?.name} ${profile.wasm.engine?.version})`,
    `  vendor ${identity.vendor}, model ${identity.modelNumber}`,
    `  cpu ${resources.cpu.map((c) => `${c.cores} × ${c.architecture}`).join(', ')}, memory ${Math.round(resources.memory / 2 ** 20)} MiB`,
    '  offers:',
    ...profile.wasm.interfaces.map((o) => `    ${o.name}@${o.version ?? ''}${o.grant ? `  (needs ${withArticle(`'${o.grant}'`)} grant)` : ''}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** Options of `wasmhost check`. */
export interface CheckOptions {
  device?: string;
  fleet?: string;
  /** `browser` or `linux`: answer for every device of the class (its standard profile), not this one. */
  class?: string;
  constraints?: string;
  grants: Grants;
  json: boolean;
}

/** `wasmhost check`: can this device (or a given one, or each of a fleet) run the component, and if not, why. */
export async function checkCommand(host: Host, stateDir: string, path: string, options: CheckOptions): Promise<number> {
  const component = await readComponentFile(host, path);
  const constraints = options.constraints ? await readConstraints(options.constraints) : undefined;
  if (options.fleet) {
    const result = fleetQuery(component.world, await readFleet(options.fleet), options.grants, constraints);
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatFleetReport(result)}\n`);
    return result.compatible.length > 0 ? 0 : INCOMPATIBLE;
  }
  const profile = options.class ? standardProfile(host, options.class) : options.device ? await readProfile(options.device) : thisDevice(host, stateDir);
  // This device's engine is measured; another device's (or a class's) is known only by its profile.
  const engine = options.device || options.class ? httpHandlerProblems(component.world, httpServingOf(profile.class), path) : findEngineProblems(component.bytes, component.world, nodeEngineFeatures(), path);
  const result = match(component.world, profile, options.grants, constraints, engine);
  const http = httpReach(component.world, options.grants);
  const report = [formatMatchReport(result), ...(http && result.compatible ? formatHttpReach(http) : [])].join('\n');
  process.stdout.write(options.json ? `${JSON.stringify(http ? { ...result, http } : result, null, 2)}\n` : `${report}\n`);
  return result.compatible ? 0 : INCOMPATIBLE;
}

/** The standard profile of a class, from this host's providers (the reference host for both classes). */
function standardProfile(host: Host, name: string): DeviceProfile {
  const deviceClass = WORKLOAD_CLASSES.find((c) => c === name);
  if (!deviceClass) throw new WasmhostError('bad-input', `--class ${name}: expected one of ${WORKLOAD_CLASSES.join(', ')} (an embedded peer runs no components)`);
  return classProfile(deviceClass, host.providers, { name: 'jco', version: jcoVersion() });
}

/** A device profile file: wasmhost's profile JSON, or a Margo DeviceCapabilitiesManifest. */
async function readProfile(path: string): Promise<DeviceProfile> {
  const json = await readJson(path);
  try {
    return readDeviceProfile(json);
  } catch (error) {
    if (error instanceof WasmhostError) throw new WasmhostError(error.code, `${path}: ${error.message}`, { cause: error, data: error.data });
    throw error;
  }
}

async function readFleet(dir: string): Promise<{ name: string; profile: DeviceProfile }[]> {
  const files = (await readdir(dir).catch((e: Error) => { throw new WasmhostError('io', `cannot read fleet folder ${dir}: ${e.message}`); }))
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new WasmhostError('bad-input', `fleet folder ${dir} holds no .json device profiles`);
  return Promise.all(files.map(async (f) => ({ name: f.replace(/\.json$/, ''), profile: await readProfile(join(dir, f)) })));
}

async function readConstraints(path: string): Promise<DeviceConstraints> {
  return parseDeviceConstraints(await readJson(path));
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new WasmhostError('io', `cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new WasmhostError('bad-input', `${path}: not valid JSON: ${(error as Error).message}`);
  }
}
