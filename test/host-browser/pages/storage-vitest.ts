/// <reference lib="dom" />
// Just enough of vitest for a contract suite (test/contracts/*.contract.ts) to run inside a page:
// the page bundle aliases `vitest` to this file. `expect` is vitest's own (@vitest/expect over
// chai); describe/it/beforeEach/afterEach only register, and `runRegistered` runs them in order.
import { chai, JestAsymmetricMatchers, JestChaiExpect, JestExtend } from '@vitest/expect';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

type Hook = () => unknown;
interface Case { name: string; run: Hook; before: Hook[]; after: Hook[] }

/** vitest's expect, as the contract files call it. */
export const expect = chai.expect as unknown as typeof import('vitest').expect;

const cases: Case[] = [];
const scope: { name: string; before: Hook[]; after: Hook[] }[] = [];

export function describe(name: string, body: () => void): void {
  scope.push({ name, before: [], after: [] });
  try {
    body();
  } finally {
    scope.pop();
  }
}

export function it(name: string, run: Hook): void {
  cases.push({
    name: [...scope.map((s) => s.name), name].join(' > '),
    run,
    before: scope.flatMap((s) => s.before),
    after: scope.flatMap((s) => s.after).reverse(),
  });
}
export const test = it;

export function beforeEach(hook: Hook): void {
  scope[scope.length - 1].before.push(hook);
}

export function afterEach(hook: Hook): void {
  scope[scope.length - 1].after.push(hook);
}

/** One registered case's outcome. */
export interface CaseResult { name: string; ok: boolean; error?: string }

/** Runs every registered case in order; `check` runs after each case's afterEach hooks (a failure there fails the case). */
export async function runRegistered(check?: () => Promise<void> | void): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    try {
      try {
        for (const hook of c.before) await hook();
        await c.run();
      } finally {
        for (const hook of c.after) await hook();
      }
      await check?.();
      results.push({ name: c.name, ok: true });
    } catch (error) {
      results.push({ name: c.name, ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  }
  return results;
}
