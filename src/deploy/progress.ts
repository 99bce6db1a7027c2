// Progress of the long steps of an install (a download, a transpile), for the console and the
// CLI. A step says nothing while it is fast (under QUIET_MS), then its latest words at most
// once per EVERY_MS, and a last line with its time when it ends, if it said anything at all.
import type { Clock } from '../ports/agent-ports.js';

/** Below this a step is never reported. */
export const QUIET_MS = 300;
/** At most one update of a step this often. */
export const EVERY_MS = 1000;

/** One update of a long step of a deployment's install. */
export interface StepProgress {
  deploymentId: string;
  component: string;
  step: 'fetch' | 'transpile';
  /** What is happening, e.g. `fetching x.wasm: 3.1 of 12 MiB`, or when done `fetched x.wasm (12 MiB) in 4.2 s`. */
  text: string;
  /** The last update of this step. */
  done: boolean;
}

/** A step being followed: give it new words as it goes, end it once. */
export interface StepTracker {
  update(text: string): void;
  /** Ends the step; `text` gets the elapsed milliseconds. */
  end(text: (elapsedMs: number) => string): void;
}

/** Follows one step, reporting through `emit` as the throttle allows (see the file comment). */
export function trackStep(clock: Clock, emit: (p: StepProgress) => void, what: Omit<StepProgress, 'text' | 'done'>, text: string): StepTracker {
  const started = clock.now();
  let latest = text;
  let said: string | undefined;
  let saidAt = -Infinity;
  let ended = false;
  const tick = () => {
    const now = clock.now();
    if (ended || now - started < QUIET_MS || now - saidAt < EVERY_MS || latest === said) return;
    said = latest;
    saidAt = now;
    emit({ ...what, text: latest, done: false });
  };
  const stopTimer = clock.setInterval(tick, QUIET_MS);
  return {
    update(next) {
      latest = next;
    },
    end(final) {
      if (ended) return;
      ended = true;
      stopTimer();
      if (said !== undefined) emit({ ...what, text: final(clock.now() - started), done: true });
    },
  };
}

/** Bytes for people: `812 KiB`, `3.1 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KiB`;
  const mib = n / (1024 * 1024);
  return `${mib < 10 ? mib.toFixed(1) : Math.round(mib)} MiB`;
}

/** Elapsed time for people: `0.8 s`, `12 s`. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
}

/** The download's line: `fetching x.wasm: 3.1 of 12 MiB` (no total when the server gave none). */
export function fetchText(name: string, received: number, total?: number): string {
  if (!total) return `fetching ${name}: ${formatBytes(received)}`;
  const [got, of] = [formatBytes(received), formatBytes(total)];
  const unit = of.slice(of.indexOf(' '));
  return `fetching ${name}: ${got.endsWith(unit) ? got.slice(0, -unit.length) : got} of ${of}`;
}

/** The transpile's line: `transpiling sha256:0123456789ab… (1.6 MiB)…`. */
export function transpileText(digest: string, bytes: number): string {
  return `transpiling ${digest.slice(0, 19)}… (${formatBytes(bytes)})…`;
}

/** The last path segment of a package location, for a progress line. */
export function packageName(location: string): string {
  const path = location.replace(/[?#].*$/, '');
  return path.slice(path.lastIndexOf('/') + 1) || location;
}
