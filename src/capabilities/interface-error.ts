/**
 * Makes an import return the `err` case of its WIT `result`. jco's glue treats a thrown
 * value that is not an Error (or has a `payload`) as the error payload; a thrown Error is a trap.
 */
export function interfaceError(payload: unknown): { payload: unknown } {
  return { payload };
}
