;; World `wasmhost:conformance/limits`: see limits.wit. Scalars only; the memory is
;; exported because a component with a memory exports it, and `hog` grows it.
(module
  (memory (export "memory") 1)

  (func (export "spin")
    (loop $forever (br $forever)))

  (func (export "boom")
    unreachable)

  (func (export "hog") (param $pages i32) (result i32)
    (local $old i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $pages)))
        (local.set $old (memory.grow (i32.const 1)))
        (if (i32.eq (local.get $old) (i32.const -1)) (then unreachable))
        (i32.store8 (i32.shl (local.get $old) (i32.const 16)) (i32.const 1))
        (local.set $pages (i32.sub (local.get $pages) (i32.const 1)))
        (br $more)))
    (memory.size))

  (func (export "ok") (param $x i32) (result i32)
    (i32.add (local.get $x) (i32.const 1))))
