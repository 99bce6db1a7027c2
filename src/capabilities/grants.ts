/**
 * What a deployment allows a workload to reach. Deny by default: an interface whose
 * provider names a grant key is refused unless that key is present here, and each
 * grant is scoped (which buckets, topics, sensors, directories).
 *
 * Interfaces that reach nothing outside the workload need no grant: logging, config,
 * clocks, random, stdio, and WASI filesystem/sockets while no directory or network is granted.
 */
export interface Grants {
  /** Key-value buckets the workload may open, by name. */
  keyvalue?: { buckets: string[] };
  /** MQTT-style topic filters (`+`, `#` wildcards) it may publish to and receive from. */
  messaging?: { publish?: string[]; subscribe?: string[] };
  /** Sensor names it may read (`*` for all). */
  sensors?: string[];
  /** Actuator names it may drive (`*` for all). */
  actuators?: string[];
  /** Guest path → host directory. */
  filesystem?: Record<string, string>;
  /** Environment variables it sees. */
  env?: Record<string, string>;
  /** Raw sockets (wasi:sockets). */
  network?: boolean;
  /**
   * Outgoing HTTP (wasi:http/outgoing-handler) to these origins only (`https://api.example.com`,
   * `http://127.0.0.1:8080`), each request within `timeoutMs` and a response of at most `maxResponseBytes`.
   */
  http?: { allow: string[]; timeoutMs?: number; maxResponseBytes?: number };
  /** Panel names it may show on the device's screen (`*` for all), through `wasmhost:display/panels`. */
  display?: string[];
  /** Vendor interfaces granted by name (`acme:plc/registers`), for providers whose offer needs the `interfaces` grant. */
  interfaces?: string[];
}

/** The name of a grant; a provider's offer names the one it needs. */
export type GrantKey = keyof Grants;

/** True when the grants allow an offer: its grant key is present (for `interfaces`: lists the interface). */
export function isGranted(grants: Readonly<Grants>, offer: { name: string; grant?: GrantKey }): boolean {
  if (!offer.grant) return true;
  if (offer.grant === 'interfaces') return grants.interfaces?.includes(offer.name) ?? false;
  return grants[offer.grant] !== undefined;
}

/** True when a name is allowed by a list that may contain `*`. */
export function allowedName(list: readonly string[] | undefined, name: string): boolean {
  return list !== undefined && (list.includes('*') || list.includes(name));
}

/**
 * True when an MQTT topic matches a filter with `+` (one level) and `#` (the rest) wildcards.
 * As in MQTT (§4.7.2), a filter starting with a wildcard never matches a topic starting with `$`.
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
