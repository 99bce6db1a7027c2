// Hole 7 of issue 11: a tiny component whose types form a DAG must be refused by its budget,
// at once and in bounded memory, instead of being expanded by inspect, JSON or printing.
import { readFileSync } from 'node:fs';
import { parse } from '@bytecodealliance/jco';
import { describe, expect, it } from 'vitest';
import { readWorld } from '../../../src/component/read-world.js';
import { printWorld } from '../../../src/component/print-world.js';
import { TYPE_NODE_BUDGET, TYPE_TEXT_BUDGET } from '../../../src/component/decode/to-wit.js';
import { WasmhostError } from '../../../src/errors.js';

const DAG = readFileSync(new URL('../../fixtures/hostile/type-dag.wat', import.meta.url), 'utf8');

/** Tuple types each holding the previous twice, `depth` deep, and `uses` imports of the last as a parameter. */
function dagText(depth: number, uses: number, label = 'x'): string {
  const types = Array.from({ length: depth }, (_, i) => `(type $t${i + 1} (tuple $t${i} $t${i}))`).join('\n');
  const imports = Array.from({ length: uses }, (_, i) => `(import "f${i}" (func (param "${label}" $t${depth})))`).join('\n');
  return `(component (type $t0 (tuple u32 u32))\n${types}\n${imports})`;
}

function refusal(bytes: Uint8Array): WasmhostError {
  try {
    readWorld(bytes);
  } catch (error) {
    return error as WasmhostError;
  }
  throw new Error('readWorld accepted the component');
}

describe('type budgets', () => {
  it('the DAG fixture (41 types, 2^42 nodes expanded) is refused by the type-size budget, in bounded memory', async () => {
    const bytes = await parse(DAG);
    expect(bytes.length).toBeLessThan(2048);
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const error = refusal(bytes);
    expect(error).toBeInstanceOf(WasmhostError);
    expect(error.code).toBe('unsupported');
    expect(error.message).toBe(`unsupported component: its types expand to more than ${TYPE_NODE_BUDGET} nodes, counting a shared type at each use (wasmhost's type-size budget); it is refused rather than printed or walked`);
    expect(error.data).toEqual({ budget: 'type-nodes', limit: TYPE_NODE_BUDGET });
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 2 ** 20);
  });

  it('many uses of a type under the budget are counted together: the world is refused', async () => {
    const one = readWorld(await parse(dagText(13, 1))); // 2^15 - 1 nodes: fine alone
    expect(one.imports).toHaveLength(1);
    const error = refusal(await parse(dagText(13, 50)));
    expect(error.data).toEqual({ budget: 'type-nodes', limit: TYPE_NODE_BUDGET });
  });

  it('long names repeated through shared types are held to the printed-size budget', async () => {
    const name = 'n'.repeat(4000);
    const text = `(component (type $r (record (field "${name}" u32)))\n${Array.from({ length: 400 }, (_, i) => `(import "f${i}" (func (param "p" $r)))`).join('\n')})`;
    const error = refusal(await parse(text));
    expect(error.message).toContain(`the names in its types expand to more than ${TYPE_TEXT_BUDGET} characters`);
    expect(error.data).toEqual({ budget: 'type-text', limit: TYPE_TEXT_BUDGET });
  });

  it('what passes the budgets prints and serialises to a bounded size', async () => {
    const world = readWorld(await parse(dagText(13, 3)));
    expect(printWorld(world).length).toBeLessThan(4 * 2 ** 20);
    expect(JSON.stringify(world).length).toBeLessThan(16 * 2 ** 20);
  });
});
