// Who may publish and subscribe where on the bridge's broker (docs/bridge-protocol.md §11,
// "Access control"): a peer, authenticated with its peer id as username, talks only on its own
// topics; the host's own client may do anything; a page (a browser device served by `wasmhost
// serve`, with its own credential) reaches only the peers it was issued for, and only by rpc.
// Pure functions, used by the embedded broker and rendered as a mosquitto acl_file.
import { WasmhostError } from '../errors.js';

/** The username of the host's own MQTT client. */
export const HOST_USERNAME = 'wasmhost-host';

/** Reserved: the shared browser role of earlier versions; never a peer or page id. */
export const BROWSER_USERNAME = 'wasmhost-browser';

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

/** A page (`wasmhost serve`'s per-page credential): its id and the peers it was issued for. */
export interface PageGrant {
  id: string;
  peers: readonly string[];
}

/**
 * True when a page may publish to `topic`: under `<root>/peers/` only rpc requests to the peers
 * it was issued for (never a peer's own leaves, never another peer); elsewhere (workload
 * messaging, whose topics the deployments' messaging grants govern) anything but `$SYS`.
 */
export function pageMayPublish(page: PageGrant, topic: string, policy: AclPolicy = {}): boolean {
  if (isSys(topic) || topic.startsWith('$reply/')) return topic.startsWith(`$reply/${page.id}/`);
  const where = peerLeaf(topic, policy);
  if (!where) return true;
  return where.leaf === 'rpc' && page.peers.includes(where.peer);
}

/**
 * True when a page may receive a message on `topic` (checked on each delivery, so a wildcard
 * subscription hears only what this allows): under `<root>/peers/` only the birth, death, data
 * and reply of its peers (not rpc requests, not other peers); `$reply/` inboxes only its own.
 */
export function pageMayReceive(page: PageGrant, topic: string, policy: AclPolicy = {}): boolean {
  if (isSys(topic) || topic.startsWith('$reply/')) return topic.startsWith(`$reply/${page.id}/`);
  const where = peerLeaf(topic, policy);
  if (!where) return true;
  return page.peers.includes(where.peer) && (PEER_PUBLISH_LEAVES as readonly string[]).includes(where.leaf);
}

/** A page may subscribe to any filter but `$SYS`: what it hears is decided per message by pageMayReceive. */
export function pageMaySubscribe(filter: string): boolean {
  return !isSys(filter);
}

/** `<root>/peers/<peer>/<leaf>` split, or undefined for a topic outside `<root>/peers/` (the bare `<root>/peers` counts as inside). */
function peerLeaf(topic: string, policy: AclPolicy): { peer: string; leaf: string } | undefined {
  const peers = `${policy.root ?? DEFAULT_TOPIC_ROOT}/peers`;
  if (topic !== peers && !topic.startsWith(`${peers}/`)) return undefined;
  const [peer = '', leaf = '', ...more] = topic.slice(peers.length + 1).split('/');
  return more.length > 0 ? { peer: '', leaf: '' } : { peer, leaf };
}

/** `$SYS`, `$SYS/…` (a filter or a topic). */
function isSys(topic: string): boolean {
  return topic === '$SYS' || topic.startsWith('$SYS/');
}

/**
 * The same rule as a mosquitto 2.x `acl_file`: the host reads and writes everything (`$`
 * topics included, for reply inboxes), each peer its own topics through `%u` patterns, and
 * each page (`pages`) the rpc topics of its peers, their outbound leaves, its own `$reply/`
 * inbox and the workload topics. mosquitto's acl_file only grants, so a page's "anything
 * outside the peers' topics" is narrowed to `<root>/workloads/#` there.
 */
export function mosquittoAcl(policy: AclPolicy = {}, pages: readonly PageGrant[] = []): string {
  const root = policy.root ?? DEFAULT_TOPIC_ROOT;
  if (/[+#\s]/.test(root)) throw new WasmhostError('bad-input', `topic root "${root}" must not contain wildcards or white space`);
  const host = policy.hostUsername ?? HOST_USERNAME;
  return [
    `user ${host}`,
    'topic readwrite #',
    'topic readwrite $reply/#',
    '',
    ...pages.flatMap((page) => [
      `user ${page.id}`,
      `topic readwrite $reply/${page.id}/#`,
      `topic readwrite ${root}/workloads/#`,
      ...page.peers.flatMap((peer) => [`topic write ${root}/peers/${peer}/rpc`, ...PEER_PUBLISH_LEAVES.map((leaf) => `topic read ${root}/peers/${peer}/${leaf}`)]),
      '',
    ]),
    ...PEER_PUBLISH_LEAVES.map((leaf) => `pattern write ${root}/peers/%u/${leaf}`),
    `pattern read ${root}/peers/%u/rpc`,
    '',
  ].join('\n');
}
