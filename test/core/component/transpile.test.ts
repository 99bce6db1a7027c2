// The glue transpileWithJco keeps: jco's debug-log check is made once when the glue loads, not
// on each of its dozens of debug-log calls per component call (a getenv each in Node).
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { transpileWithJco } from '../../../src/component/transpile.js';

describe('transpileWithJco', () => {
  it('reads JCO_DEBUG once, when the glue loads', async () => {
    const { glue } = await transpileWithJco(await readFile('examples/threshold-alarm-c/threshold-alarm.wasm'), 'sha256:test');
    expect(glue.match(/process\?\.env\?\.JCO_DEBUG/g)).toHaveLength(1);
    expect(glue).toMatch(/const _jcoDebugOn = Boolean\(globalThis\?\.process\?\.env\?\.JCO_DEBUG\);\s*const _debugLog = \(\.\.\.args\) => \{\s*if \(!_jcoDebugOn\) \{ return; \}/);
  });
});
