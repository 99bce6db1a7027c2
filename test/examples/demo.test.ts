import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('examples/demo.mjs (the embedding walk-through, npm run demo)', () => {
  it('inspects the alarm, then switches the fan on above 30 °C and off again below it', () => {
    const out = execFileSync(process.execPath, ['examples/demo.mjs'], { encoding: 'utf8' });
    expect(out).toContain('export process: func(celsius: f64) -> f64;');
    const fan = out.split('\n').filter((l) => l.startsWith('  in ')).map((l) => (l.includes('fan ON') ? 1 : 0));
    expect(fan).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0]);
    expect(out).toContain('rose above threshold 30.0 Cel');
    expect(out).toContain('fell back below threshold 30.0 Cel');
  });
});
