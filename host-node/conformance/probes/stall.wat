;; World `wasmhost:conformance/stall`: see stall.wit. Scalars only.
(module
  (import "wasmhost:stall/stall@0.1.0" "wait" (func $wait (result i32)))
  (memory (export "memory") 1)

  (func (export "wait") (result i32)
    (call $wait))

  (func (export "ok") (param $x i32) (result i32)
    (i32.add (local.get $x) (i32.const 1))))
