/** Time per operation in nanoseconds: the median of several timed batches, after a warm-up. */
export function nsPerOp(op: () => unknown, batch = 20_000, rounds = 7): number {
  for (let i = 0; i < batch; i++) op();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) op();
    samples.push(Number(process.hrtime.bigint() - start) / batch);
  }
  return median(samples);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A figure beside its baseline, with the ratio. */
export function row(label: string, value: number, unit: string, baseline?: { label: string; value: number }): string {
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const ratio = baseline ? `  ${(value / baseline.value).toFixed(2)}× ${baseline.label}` : '';
  return `  ${label.padEnd(44)} ${fmt(value).padStart(9)} ${unit}${ratio}`;
}
