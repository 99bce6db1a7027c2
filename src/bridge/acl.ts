// Who may publish and subscribe where on the bridge's broker (docs/bridge-protocol.md §11,
// "Access control"): a peer, authenticated with its peer id as username, talks only on its own
// topics; the host's own client may do anything; a browser host (`wasmhost serve`'s pages) may
// do almost anything but speak for a peer. Pure functions, used by the embedded broker and
// rendered as a mosquitto acl_file for an external one.
import { WasmhostError } from '../errors.js';

/** The username of the host's own MQTT client. */
export const HOST_USERNAME = 'wasmhost-host';

/** The username of browser hosts (pages served by `wasmhost serve`); never a peer id. */
export const BROWSER_USERNAME = 'wasmhost-browser';

/** The default topic root. */
export const DEFAULT_TOPIC_ROOT = 'wasmhost/v1';

/** What a peer may publish under `<root>/peers/<peer>/`. */
export const PEER_PUBLISH_LEAVES = ['birth', 'death', 'reply', 'data'] as const;

/** Where the rule applies: the topic root, the host's username and the browser hosts' username. */
export interface AclPolicy {
  root?: string;
  hostUsername?: string;
  browserUsername?: string;
}

/** True for a valid peer id: 1–64 of `[A-Za-z0-9_-]`. */
export function isPeerId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(id);
}

/**
 * True when the client authenticated as `username` may publish to `topic`. A client without
 * a username, or whose username is not a peer id, may do nothing.
 */
export function mayPublish(username: string | undefined, topic: string, policy: AclPolicy = {}): boolean {
  if (username === undefined) return false;
  if (username === (policy.hostUsername ?? HOST_USERNAME)) return true;
  if (username === (policy.browserUsername ?? BROWSER_USERNAME)) return browserMayPublish(topic, policy);
  if (!isPeerId(username)) return false;
  const own = `${policy.root ?? DEFAULT_TOPIC_ROOT}/peers/${username}/`;
  return topic.startsWith(own) && (PEER_PUBLISH_LEAVES as readonly string[]).includes(topic.slice(own.length));
}

/**
 * True when the client authenticated as `username` may subscribe to `filter`: a peer only to
 * its own rpc topic, spelled exactly (no wildcards, which would reach other peers' topics).
 */
export function maySubscribe(username: string | undefined, filter: string, policy: AclPolicy = {}): boolean {
  if (username === undefined) return false;
  if (username === (policy.hostUsername ?? HOST_USERNAME)) return true;
  if (username === (policy.browserUsername ?? BROWSER_USERNAME)) return !isSys(filter);
  return isPeerId(username) && filter === `${policy.root ?? DEFAULT_TOPIC_ROOT}/peers/${username}/rpc`;
}

/**
 * A browser host publishes anywhere (rpc requests to peers, workload topics, `$reply/…` inboxes)
 * except a peer's own outbound leaves `<root>/peers/<any>/{birth,death,reply,data}`, so a page
 * cannot impersonate a peer, and `$SYS`.
 */
function browserMayPublish(topic: string, policy: AclPolicy): boolean {
  if (isSys(topic)) return false;
  const peers = `${policy.root ?? DEFAULT_TOPIC_ROOT}/peers/`;
  if (!topic.startsWith(peers)) return true;
  const [, leaf, ...more] = topic.slice(peers.length).split('/');
  return more.length > 0 || !(PEER_PUBLISH_LEAVES as readonly (string | undefined)[]).includes(leaf);
}

/** `$SYS`, `$SYS/…` (a filter or a topic). */
function isSys(topic: string): boolean {
  return topic === '$SYS' || topic.startsWith('$SYS/');
}

/**
 * The same rule as a mosquitto 2.x `acl_file`: the host reads and writes everything (`$`
 * topics included, for reply inboxes), each user its own peer topics through `%u` patterns.
 * mosquitto's acl_file only grants, so the browser role is rendered narrower than the embedded
 * broker's "anywhere but a peer's leaves": it reads everything (`#` does not match `$SYS`) and
 * writes rpc requests, workload topics and `$reply/…` inboxes.
 */
export function mosquittoAcl(policy: AclPolicy = {}): string {
  const root = policy.root ?? DEFAULT_TOPIC_ROOT;
  if (/[+#\s]/.test(root)) throw new WasmhostError('bad-input', `topic root "${root}" must not contain wildcards or white space`);
  const host = policy.hostUsername ?? HOST_USERNAME;
  return [
    `user ${host}`,
    'topic readwrite #',
    'topic readwrite $reply/#',
    '',
    `user ${policy.browserUsername ?? BROWSER_USERNAME}`,
    'topic read #',
    'topic readwrite $reply/#',
    `topic write ${root}/peers/+/rpc`,
    `topic write ${root}/workloads/#`,
    '',
    ...PEER_PUBLISH_LEAVES.map((leaf) => `pattern write ${root}/peers/%u/${leaf}`),
    `pattern read ${root}/peers/%u/rpc`,
    '',
  ].join('\n');
}
