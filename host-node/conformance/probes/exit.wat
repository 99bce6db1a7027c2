;; World `wasmhost:conformance/exit`: see exit.wit. exit(result) lowers to one i32 (1: err).
(module
  (import "wasi:cli/exit@0.2.12" "exit" (func $exit (param i32)))
  (memory (export "memory") 1)

  (func (export "quit")
    (call $exit (i32.const 1))
    unreachable)

  (func (export "ok") (param $x i32) (result i32)
    (i32.add (local.get $x) (i32.const 1))))
