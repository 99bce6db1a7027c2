// Which component structures let the fast path call core exports directly: only a single
// core instance with `canon lift`s, and nested components that hold nothing but types.
import { parse } from '@bytecodealliance/jco';
import { describe, expect, it } from 'vitest';
import { codeStructureBlocker } from '../../../../src/component/decode/code-structure.js';
import { fastPathBlocker } from '../../../../src/component/fast-path-blocker.js';
import { readWorld } from '../../../../src/component/read-world.js';

const CORE = `(core module $m (func (export "f") (param i32) (result i32) (local.get 0)))
  (core instance $i (instantiate $m))`;
const LIFT = `(func $f (param "x" u32) (result u32) (canon lift (core func $i "f")))`;

async function blocker(body: string): Promise<string | undefined> {
  const bytes = await parse(`(component ${body})`);
  return codeStructureBlocker(bytes);
}

describe('codeStructureBlocker', () => {
  it('accepts one core instance whose exports are lifted', async () => {
    expect(await blocker(`${CORE} ${LIFT} (export "f" (func $f))`)).toBeUndefined();
  });

  it('accepts a nested component that only re-exports with types, instantiated and exported', async () => {
    const shim = `(component $shim
      (type $t (record (field "a" u32)))
      (import "import-type-t" (type $it (eq $t)))
      (import "import-func-f" (func $g (param "x" u32) (result u32)))
      (export "t" (type $it))
      (export "f" (func $g)))`;
    const use = `(instance $s (instantiate $shim (with "import-func-f" (func $f)) (with "import-type-t" (type $r))))`;
    expect(await blocker(`${CORE} ${LIFT} (type $r (record (field "a" u32))) ${shim} ${use} (export "api" (instance $s))`)).toBeUndefined();
  });

  it('refuses two core module instances', async () => {
    const second = `(core module $n) (core instance $j (instantiate $n))`;
    expect(await blocker(`${CORE} ${second} ${LIFT} (export "f" (func $f))`)).toBe('it has more than one core module');
  });

  it('refuses a nested component with code of its own', async () => {
    expect(await blocker(`(component $inner ${CORE} ${LIFT} (export "f" (func $f))) (instance $x (instantiate $inner))`))
      .toBe('it nests a component with code or instances of its own');
  });

  it('refuses canonical built-ins, naming them', async () => {
    const ctx = `(core func $g (canon context.get i32 0)) ${CORE} ${LIFT}`;
    expect(await blocker(ctx)).toBe('it uses the canonical built-in context.get');
    const drop = `(type $r (resource (rep i32))) (core func $d (canon resource.drop $r)) ${CORE} ${LIFT}`;
    expect(await blocker(drop)).toBe('it uses the canonical built-in resource.drop');
  });

  it('refuses a lowered import, and fastPathBlocker names function imports first', async () => {
    const bytes = await parse(`(component
      (import "g" (func $g (param "x" u32) (result u32)))
      (core func $lg (canon lower (func $g)))
      ${CORE} ${LIFT} (export "f" (func $f)))`);
    expect(codeStructureBlocker(bytes)).toBe('it uses the canonical built-in lower');
    expect(fastPathBlocker(bytes, readWorld(bytes))).toBe('it imports functions');
  });

  it('refuses an imported component (its instances run code from outside)', async () => {
    const body = `(import "c" (component $c (export "f" (func (param "x" u32) (result u32)))))
      (instance $x (instantiate $c)) (alias export $x "f" (func $f)) (export "f" (func $f))`;
    expect(await blocker(body)).toBe('it imports a component');
  });
});
