// Who may publish and subscribe where on the bridge's broker (docs/bridge-protocol-outline.md,
// "Access control"): a peer, authenticated with its peer id as username, talks only on its own
// topics; the host's own client may do anything. Pure functions, used by the embedded broker
// and rendered as a mosquitto acl_file for an external one.
import { WasmhostError } from '../errors.js';

/** The username of the host's own MQTT client. */
export const HOST_USERNAME = 'wasmhost-host';

/** The default topic root. */
export const DEFAULT_TOPIC_ROOT = 'wasmhost/v1';

/** What a peer may publish under `<root>/peers/<peer>/`. */
export const PEER_PUBLISH_LEAVES = ['birth', 'death', 'reply', 'data'] as const;

/** Where the rule applies: the topic root and the host's username. */
export interface AclPolicy {
  root?: string;
  hostUsername?: string;
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
  return isPeerId(username) && filter === `${policy.root ?? DEFAULT_TOPIC_ROOT}/peers/${username}/rpc`;
}

/**
 * The same rule as a mosquitto 2.x `acl_file`: the host reads and writes everything (`$`
 * topics included, for reply inboxes), each user its own peer topics through `%u` patterns.
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
    ...PEER_PUBLISH_LEAVES.map((leaf) => `pattern write ${root}/peers/%u/${leaf}`),
    `pattern read ${root}/peers/%u/rpc`,
    '',
  ].join('\n');
}
