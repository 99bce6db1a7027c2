/**
 * Nanoseconds per call of each candidate: batches are interleaved round by round, so a
 * slow moment of the machine or a GC pause falls on every candidate alike; the median
 * batch of each candidate is reported.
 */
export function nsPerOp(candidates: Record<string, () => unknown>, batch = 20_000, rounds = 9): Record<string, number> {
  const names = Object.keys(candidates);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) for (let i = 0; i < batch; i++) candidates[name]();
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const op = candidates[name];
      const start = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) op();
      samples[name].push(Number(process.hrtime.bigint() - start) / batch);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])]));
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A figure beside its baseline, with the ratio. */
export function row(label: string, value: number, unit: string, baseline?: { label: string; value: number }): string {
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const ratio = baseline ? `  ${(value / baseline.value).toFixed(2)}× ${baseline.label}` : '';
  return `  ${label.padEnd(46)} ${fmt(value).padStart(9)} ${unit}${ratio}`;
}
