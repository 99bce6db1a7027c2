;; World `wasmhost:conformance/keyvalue`: see keyvalue.wit. Canonical ABI by hand:
;;   open(ptr, len, ret): ret+0 result tag (0 ok), ret+4 the bucket handle;
;;   [method]bucket.set(self, kptr, klen, vptr, vlen, ret): ret+0 result tag;
;;   [method]bucket.get(self, kptr, klen, ret): ret+0 result tag, ret+4 option tag,
;;   ret+8 list pointer (allocated by the host through cabi_realloc), ret+12 length.
(module
  (import "wasi:keyvalue/store@0.2.0-draft2" "open" (func $open (param i32 i32 i32)))
  (import "wasi:keyvalue/store@0.2.0-draft2" "[method]bucket.set" (func $set (param i32 i32 i32 i32 i32 i32)))
  (import "wasi:keyvalue/store@0.2.0-draft2" "[method]bucket.get" (func $get (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/store@0.2.0-draft2" "[resource-drop]bucket" (func $drop (param i32)))

  (memory (export "memory") 1)
  (data (i32.const 16) "conformance")   ;; 11 bytes: the bucket
  (data (i32.const 32) "probe")         ;; 5 bytes: the key
  ;; 64..79: return area; 96..99: the value to store; 1024..: heap.

  (global $heap (mut i32) (i32.const 1024))

  ;; Bump allocator; the probe makes a handful of calls, one page is plenty.
  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.const 65536)) (then unreachable))
    (local.get $ptr))

  ;; The bucket's handle, or -1 when it did not open.
  (func $bucket (result i32)
    (call $open (i32.const 16) (i32.const 11) (i32.const 64))
    (if (result i32) (i32.load8_u (i32.const 64))
      (then (i32.const -1))
      (else (i32.load (i32.const 68)))))

  (func (export "put") (param $value i32) (result i32)
    (local $b i32)
    (local.set $b (call $bucket))
    (if (i32.eq (local.get $b) (i32.const -1)) (then (return (i32.const 1))))
    (i32.store (i32.const 96) (local.get $value))
    (call $set (local.get $b) (i32.const 32) (i32.const 5) (i32.const 96) (i32.const 4) (i32.const 64))
    (call $drop (local.get $b))
    (if (result i32) (i32.load8_u (i32.const 64))
      (then (i32.const 2))
      (else (i32.const 0))))

  (func (export "fetch") (result i32)
    (local $b i32)
    (local.set $b (call $bucket))
    (if (i32.eq (local.get $b) (i32.const -1)) (then (return (i32.const -2))))
    (call $get (local.get $b) (i32.const 32) (i32.const 5) (i32.const 64))
    (call $drop (local.get $b))
    (if (i32.load8_u (i32.const 64)) (then (return (i32.const -2))))
    (if (i32.eqz (i32.load8_u (i32.const 68))) (then (return (i32.const -1))))
    (if (i32.ne (i32.load (i32.const 76)) (i32.const 4)) (then (return (i32.const -3))))
    (i32.load (i32.load (i32.const 72)))))
