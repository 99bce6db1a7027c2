// What the console shows of one running component beyond its state: what it may reach, what
// drives it, its limits, and how its trigger calls went (count, errors, latency, last result).
import type { Grants } from '../capabilities/grants.js';
import type { Limits, Trigger, WorkloadSpec } from './types.js';
import type { WorkloadMemory } from '../runtime/workload-memory.js';
import { formatBytes } from './progress.js';

/** Trigger calls of a workload so far. */
export interface CallActivity {
  calls: number;
  errors: number;
  /** Mean duration of the calls, ms. */
  meanMs?: number;
  /** The last call's result as JSON text (cut to 200 characters), or its error. */
  last?: { at: number; ok: boolean; text: string };
}

/** A running component as the console describes it. */
export interface WorkloadDetails {
  grants: string[];
  triggers: string[];
  limits: string;
  activity: CallActivity;
}

const SHOWN_CHARS = 200;

/** Counts trigger calls; `now` is the agent's clock. */
/** `text` may be a function: the last result is then rendered only when a console asks, not on every call. */
export function createCallActivity(now: () => number): { record(startedAt: number, ok: boolean, text: string | (() => string)): void; snapshot(): CallActivity } {
  let calls = 0;
  let errors = 0;
  let totalMs = 0;
  let last: { at: number; ok: boolean; text: string | (() => string) } | undefined;
  const shown = (text: string) => (text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 1)}…` : text);
  return {
    record(startedAt, ok, text) {
      const at = now();
      calls++;
      if (!ok) errors++;
      totalMs += Math.max(0, at - startedAt);
      last = { at, ok, text };
    },
    snapshot: () => ({
      calls, errors, ...(calls ? { meanMs: totalMs / calls } : {}),
      ...(last ? { last: { at: last.at, ok: last.ok, text: shown(typeof last.text === 'function' ? last.text() : last.text) } } : {}),
    }),
  };
}

/** One line per grant kind: `sensors: temperature, fan`. */
export function describeGrants(grants: Grants): string[] {
  return Object.entries(grants).map(([kind, value]) => `${kind}: ${describeGrant(value)}`);
}

function describeGrant(value: unknown): string {
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value !== 'object' || value === null) return String(value);
  return Object.entries(value).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(', ') : String(v)}`).join('; ');
}

/** `every 2000 ms: sample("temperature") → kiosk/out`. */
export function describeTrigger(t: Trigger): string {
  const out = 'output' in t && t.output ? ` → ${t.output}` : '';
  switch (t.kind) {
    case 'interval': return `every ${t.everyMs} ms: ${t.export}(${(t.args ?? []).join(', ')})${out}`;
    case 'reading': return `readings of ${t.sensors.join(', ')}: ${t.export}${out}`;
    case 'message': return 'messages on its subscribed topics';
    case 'http': return `http ${t.host ?? ''}${t.path}`;
  }
}

export function describeLimits(l: Limits): string {
  return `${l.isolation === 'worker' ? 'own worker' : 'in-process'} · calls ≤ ${l.callTimeoutMs} ms · memory ≤ ${Math.round(l.memoryBytes / 2 ** 20)} MiB`;
}

/** `192 KiB of 16 MiB linear memory · worker heap 1.2 MiB`: the heap only where the worker measured it. */
export function describeMemory(m: WorkloadMemory): string {
  const linear = `${formatBytes(m.linearBytes)}${m.limitBytes === undefined ? '' : ` of ${formatBytes(m.limitBytes)}`} linear memory`;
  return m.heapBytes === undefined ? linear : `${linear} · worker heap ${formatBytes(m.heapBytes)}`;
}

/** The console's description of `spec` with its call activity. */
export function workloadDetails(spec: WorkloadSpec, activity: CallActivity): WorkloadDetails {
  return { grants: describeGrants(spec.grants), triggers: spec.triggers.map(describeTrigger), limits: describeLimits(spec.limits), activity };
}
