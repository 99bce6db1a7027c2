;; World `wasmhost:conformance/preopens`: see preopens.wit. get-directories(ret) writes the
;; list's pointer at ret and its length at ret+4 (the list is allocated through cabi_realloc).
(module
  (import "wasi:filesystem/preopens@0.2.12" "get-directories" (func $get (param i32)))

  (memory (export "memory") 1)
  ;; 64..71: return area; 1024..: heap.

  (global $heap (mut i32) (i32.const 1024))

  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.const 65536)) (then unreachable))
    (local.get $ptr))

  (func (export "count") (result i32)
    (call $get (i32.const 64))
    (i32.load (i32.const 68))))
