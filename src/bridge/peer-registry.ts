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

export function createPeerRegistry(): PeerRegistry {
  const peers = new Map<string, PeerState>();
  return {
    applyBirth(birth, now) {
      const before = peers.get(birth.id);
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
