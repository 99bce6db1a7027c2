;; World `wasmhost:conformance/actuator`: see actuator.wit. Canonical ABI by hand:
;;   set(ptr, len, value f64, ret): ret+0 result tag (0 ok), ret+4 the actuator-error
;;   case, ret+8/ret+12 the `unavailable` string (allocated by the host through cabi_realloc).
;; The export's string argument is lowered by the host through cabi_realloc too.
(module
  (import "wasmhost:device/actuators@0.1.0" "set" (func $set (param i32 i32 f64 i32)))

  (memory (export "memory") 1)
  ;; 64..79: return area; 1024..: heap.

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

  (func (export "set-one") (param $name i32) (param $len i32) (result i32)
    (call $set (local.get $name) (local.get $len) (f64.const 1) (i32.const 64))
    (if (result i32) (i32.load8_u (i32.const 64))
      (then (i32.add (i32.const 1) (i32.load8_u (i32.const 68))))
      (else (i32.const 0)))))
