// The narrow view of a device the workload probes need, the same for a Node host (called
// directly) and a page (driven from Node through Chromium): start a component, call it, watch
// its restarts, close it. Every call is asynchronous so that both targets can implement it.
import type { Grants } from '../capabilities/grants.js';
import type { CapabilityProvider } from '../capabilities/provider.js';
import type { IsolationEvent } from '../runtime/isolated-workload.js';

/** How a probe starts a component. */
export interface ProbeStart {
  name: string;
  grants?: Grants;
  /** Worker isolation with these limits; absent: in the host's thread (where resources can cross). */
  limits?: { callTimeoutMs: number; memoryBytes: number; importTimeoutMs?: number };
  /** Give the workload STALLING_INTERFACE, whose one function never answers (the WL-11 probe). */
  stall?: boolean;
}

/** The interface of the stalling provider (probes/stall.wit). */
export const STALLING_INTERFACE = { name: 'wasmhost:stall/stall', version: '0.1.0' };

/** A provider whose `wait` returns a promise that never settles: a peer or driver that never answers. */
export function stallingProvider(): CapabilityProvider {
  return {
    name: 'conformance-stall',
    offers: [STALLING_INTERFACE],
    create: () => ({ [STALLING_INTERFACE.name]: { wait: () => new Promise<number>(() => undefined) } }),
  };
}

/** A started probe component. */
export interface ProbeWorkload {
  call(target: string, ...args: unknown[]): Promise<unknown>;
  /** The isolation events so far (started, stopped with the restart delay). */
  events(): Promise<IsolationEvent[]>;
  close(): Promise<void>;
}

/** A device under test, as the workload probes see it. */
export interface ProbeHost {
  /** Loads and starts the component; rejects with the host's error (its `code` and `data.reason` kept). */
  start(bytes: Uint8Array, options: ProbeStart): Promise<ProbeWorkload>;
  /** The interfaces the device's providers offer, with the provider's name. */
  offers(): Promise<{ name: string; version?: string; provider: string }[]>;
}

/** The `code` of a host error, or undefined. */
export function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | undefined)?.code;
}

/** The `data.reason` of a host error, or undefined. */
export function reasonOf(error: unknown): string | undefined {
  return (error as { data?: { reason?: string } } | undefined)?.data?.reason;
}

/** An error's message, or the value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
