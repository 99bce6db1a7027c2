;; The scaler workload in WAT, canonical ABI by hand: it calls the vendor's
;; acme:plc/registers.read and scales the result.
(module
  ;; read(address: u16) -> result<u16, string>: the result comes back in a return
  ;; area: byte 0 is the case (0 ok, 1 err), the u16 payload at offset 4.
  (import "acme:plc/registers@1.0.0" "read" (func $read (param i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  ;; Strings the host writes for an err(string) are allocated here and never freed.
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1))) (i32.sub (i32.const 0) (local.get 2))))
    (global.set $heap (i32.add (local.get $ptr) (local.get 3)))
    (local.get $ptr))
  (func (export "read-scaled") (param $address i32) (param $factor f64) (result f64)
    (call $read (local.get $address) (i32.const 16))
    (if (result f64) (i32.load8_u (i32.const 16))
      (then (f64.const nan))
      (else (f64.mul (f64.convert_i32_u (i32.load16_u (i32.const 20))) (local.get $factor))))))
