// The `grants` property of a Wasm component: what the workload may reach (deny by default).
// Strict: an unknown key is an error, so a typo cannot silently drop a grant.

import type { GrantKey, Grants } from '../capabilities/grants.js';
import { MAX_RESPONSE_BYTES, originOf } from '../capabilities/http-outgoing.js';
import {
  at, readInteger, readObject, readScalarMap, readStringList, readStringMap, rejectUnknownKeys, show, type Problems,
} from './manifest-fields.js';

const GRANT_KEYS = ['keyvalue', 'messaging', 'sensors', 'actuators', 'filesystem', 'env', 'network', 'http', 'display', 'interfaces'] as const;
// Fails to compile when Grants gains a key that is missing above.
type Unread = Exclude<GrantKey, (typeof GRANT_KEYS)[number]>;
const allRead: [Unread] extends [never] ? true : never = true;
void allRead;
/** `acme:plc/registers`: a WIT interface name without a version. */
const INTERFACE_NAME = /^[a-z][a-z0-9-]*(:[a-z][a-z0-9-]*)+\/[a-z][a-z0-9-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Reads `grants`; absent means no grants at all. */
export function readGrants(value: unknown, path: string, problems: Problems): Grants | undefined {
  if (value === undefined) return {};
  const obj = readObject(value, path, problems);
  if (!obj) return undefined;
  rejectUnknownKeys(obj, GRANT_KEYS, path, problems);
  const before = problems.list.length;
  // `interfaces` (vendor interfaces by name) is set through this wider type.
  const grants: Grants & { interfaces?: string[] } = {};
  if (obj.keyvalue !== undefined) {
    const kv = readObject(obj.keyvalue, at(path, 'keyvalue'), problems);
    if (kv) {
      rejectUnknownKeys(kv, ['buckets'], at(path, 'keyvalue'), problems);
      const buckets = readStringList(kv.buckets, at(at(path, 'keyvalue'), 'buckets'), problems);
      if (buckets) grants.keyvalue = { buckets };
    }
  }
  if (obj.messaging !== undefined) grants.messaging = readMessaging(obj.messaging, at(path, 'messaging'), problems);
  if (obj.sensors !== undefined) grants.sensors = readStringList(obj.sensors, at(path, 'sensors'), problems);
  if (obj.actuators !== undefined) grants.actuators = readStringList(obj.actuators, at(path, 'actuators'), problems);
  if (obj.filesystem !== undefined) grants.filesystem = readFilesystem(obj.filesystem, at(path, 'filesystem'), problems);
  if (obj.env !== undefined) grants.env = readEnv(obj.env, at(path, 'env'), problems);
  if (obj.network !== undefined) {
    if (typeof obj.network === 'boolean') grants.network = obj.network;
    else problems.add(at(path, 'network'), `expected true or false, got ${show(obj.network)}`);
  }
  if (obj.http !== undefined) grants.http = readHttp(obj.http, at(path, 'http'), problems);
  if (obj.display !== undefined) grants.display = readStringList(obj.display, at(path, 'display'), problems);
  if (obj.interfaces !== undefined) grants.interfaces = readInterfaces(obj.interfaces, at(path, 'interfaces'), problems);
  return problems.list.length === before ? grants : undefined;
}

/** `http: { allow: [origins], timeoutMs?, maxResponseBytes? }`; origins are normalised (`HTTPS://A.example:443` → `https://a.example`). */
function readHttp(value: unknown, path: string, problems: Problems): Grants['http'] {
  const obj = readObject(value, path, problems);
  if (!obj) return undefined;
  rejectUnknownKeys(obj, ['allow', 'timeoutMs', 'maxResponseBytes'], path, problems);
  const entries = readStringList(obj.allow, at(path, 'allow'), problems);
  const allow: string[] = [];
  entries?.forEach((entry, i) => {
    const o = originOf(entry);
    if ('problem' in o) problems.add(at(at(path, 'allow'), i), `${show(entry)} is no origin: ${o.problem}`);
    else allow.push(o.origin);
  });
  const timeoutMs = obj.timeoutMs === undefined ? undefined : readInteger(obj.timeoutMs, at(path, 'timeoutMs'), problems, 1, 600_000);
  const maxResponseBytes = obj.maxResponseBytes === undefined ? undefined : readInteger(obj.maxResponseBytes, at(path, 'maxResponseBytes'), problems, 0, MAX_RESPONSE_BYTES);
  if (!entries) return undefined;
  return { allow, ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(maxResponseBytes !== undefined ? { maxResponseBytes } : {}) };
}

function readInterfaces(value: unknown, path: string, problems: Problems): string[] | undefined {
  const names = readStringList(value, path, problems);
  names?.forEach((name, i) => {
    if (!INTERFACE_NAME.test(name)) problems.add(at(path, i), `expected a WIT interface name like "acme:plc/registers" (no version), got ${show(name)}`);
  });
  return names;
}

function readMessaging(value: unknown, path: string, problems: Problems): Grants['messaging'] {
  const obj = readObject(value, path, problems);
  if (!obj) return undefined;
  rejectUnknownKeys(obj, ['publish', 'subscribe'], path, problems);
  const messaging: NonNullable<Grants['messaging']> = {};
  for (const key of ['publish', 'subscribe'] as const) {
    if (obj[key] === undefined) continue;
    const filters = readStringList(obj[key], at(path, key), problems);
    filters?.forEach((filter, i) => {
      const bad = topicFilterProblem(filter);
      if (bad) problems.add(at(at(path, key), i), `${show(filter)} is not an MQTT topic filter: ${bad}`);
    });
    if (filters) messaging[key] = filters;
  }
  return messaging;
}

/** Why `filter` is not a valid MQTT topic filter, or undefined when it is. */
export function topicFilterProblem(filter: string): string | undefined {
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level === '#' && i !== levels.length - 1) return "'#' must be the last level";
    if (level !== '#' && level !== '+' && /[#+]/.test(level)) return "'+' and '#' must fill a whole level";
  }
  return undefined;
}

function readFilesystem(value: unknown, path: string, problems: Problems): Record<string, string> | undefined {
  const dirs = readStringMap(value, path, problems);
  if (!dirs) return undefined;
  let ok = true;
  for (const [guest, host] of Object.entries(dirs)) {
    if (!guest.startsWith('/')) {
      problems.add(at(path, guest), 'the guest path (the key) must be absolute, e.g. /data');
      ok = false;
    } else if (host === '') {
      problems.add(at(path, guest), 'expected a host directory, got ""');
      ok = false;
    }
  }
  return ok ? dirs : undefined;
}

function readEnv(value: unknown, path: string, problems: Problems): Record<string, string> | undefined {
  const env = readScalarMap(value, path, problems);
  if (!env) return undefined;
  const bad = Object.keys(env).filter((name) => !ENV_NAME.test(name));
  for (const name of bad) problems.add(at(path, name), 'not an environment variable name (letters, digits, _; not starting with a digit)');
  return bad.length === 0 ? env : undefined;
}
