// The host's view of its embedded peers (docs/bridge-protocol.md section 5, "The host"):
// decoded births and deaths go in, peers going up and down come out. Pure: no I/O, no timers;
// the caller supplies the time.

import type { BirthFrame, DeathFrame } from './frames.js';

/** What the host knows of one peer: its last accepted birth and whether it is online. */
export interface PeerState {
  readonly id: string;
  readonly birth: BirthFrame;
  readonly online: boolean;
  /** When it last went online or offline, ms since the epoch. */
  readonly since: number;
}

/** A change of the peer set: a peer came up (a new birth), went down (a current death) or was forgotten (its birth cleared). */
export type PeerChange =
  | { readonly type: 'up'; readonly peer: string; readonly state: PeerState }
  | { readonly type: 'down'; readonly peer: string; readonly state: PeerState }
  | { readonly type: 'forgotten'; readonly peer: string };

/** What applying one frame did: the change (if any) and a note worth logging (if any). */
export interface ApplyResult {
  readonly change?: PeerChange;
  readonly note?: string;
}

/** Per-peer state under the birth/death sequence rules. */
export interface PeerRegistry {
  /** A birth, already decoded and checked against its topic's peer. */
  applyBirth(birth: BirthFrame, now: number): ApplyResult;
  /** A death, already decoded and checked against its topic's peer. */
  applyDeath(death: DeathFrame, now: number): ApplyResult;
  /** A zero-length payload on a peer's birth topic: the peer is forgotten. */
  clear(peer: string): ApplyResult;
  get(peer: string): PeerState | undefined;
  /** Every known peer, online or not, in order of first appearance. */
  list(): PeerState[];
}

/**
 * How far one birth may move a peer's sequence number forward (section 5): above both the
 * current seq + SEQ_WINDOW and the Unix time in seconds + SEQ_CLOCK_SLACK, it is refused, so no
 * single frame can push it to 2^32-1, while counters and wall-clock seqs both fit. A lower one is
 * taken as the peer losing its counter (only the peer, authenticated, publishes on its topics).
 */
export const SEQ_WINDOW = 65536;
/** Seconds a wall-clock seq may run ahead of the host's clock. */
export const SEQ_CLOCK_SLACK = 86400;

/** Options of the registry. */
export interface PeerRegistryOptions {
  /** Peers the registry holds at most; births of further new peers are refused (default 1024). */
  maxPeers?: number;
}

export function createPeerRegistry(options: PeerRegistryOptions = {}): PeerRegistry {
  const peers = new Map<string, PeerState>();
  const maxPeers = options.maxPeers ?? 1024;
  return {
    applyBirth(birth, now) {
      const before = peers.get(birth.id);
      if (!before && peers.size >= maxPeers) return { note: `birth of peer ${birth.id} refused: the registry holds its maximum of ${maxPeers} peers` };
      const ceiling = Math.max((before?.birth.seq ?? 0) + SEQ_WINDOW, Math.floor(now / 1000) + SEQ_CLOCK_SLACK);
      if (birth.seq > ceiling) {
        return { note: `birth of peer ${birth.id} with seq ${birth.seq} refused: above ${ceiling} (its current seq + ${SEQ_WINDOW}, or the clock in seconds + ${SEQ_CLOCK_SLACK})` };
      }
      const state: PeerState = { id: birth.id, birth, online: true, since: now };
      peers.set(birth.id, state);
      const note = before && before.online && birth.seq < before.birth.seq
        ? `peer ${birth.id} announced seq ${birth.seq}, lower than its current ${before.birth.seq} (it lost its counter)`
        : undefined;
      return note ? { change: { type: 'up', peer: birth.id, state }, note } : { change: { type: 'up', peer: birth.id, state } };
    },
    applyDeath(death, now) {
      const before = peers.get(death.id);
      if (!before) return { note: `death of unknown peer ${death.id} (seq ${death.seq}) ignored` };
      if (!before.online) return { note: `death of offline peer ${death.id} (seq ${death.seq}) ignored` };
      if (death.seq < before.birth.seq) {
        return { note: `stale death of peer ${death.id} (seq ${death.seq} < current birth ${before.birth.seq}) ignored` };
      }
      const state: PeerState = { ...before, online: false, since: now };
      peers.set(death.id, state);
      return { change: { type: 'down', peer: death.id, state } };
    },
    clear(peer) {
      if (!peers.delete(peer)) return {};
      return { change: { type: 'forgotten', peer } };
    },
    get: (peer) => peers.get(peer),
    list: () => [...peers.values()],
  };
}
