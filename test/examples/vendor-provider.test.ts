import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('examples/vendor-provider (embedding with a vendor WIT interface)', () => {
  it('serves the vendor interface to a component and maps its err to the component', () => {
    const out = execFileSync(process.execPath, ['examples/vendor-provider/main.mjs'], { encoding: 'utf8' });
    expect(out).toBe('register 40001 × 0.1 = 123.4\nregister 40002 × 0.1 = 6553.5\nregister 40003 × 0.1 = NaN\n');
  });
});
