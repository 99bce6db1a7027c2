// One error type for the whole host: a stable `code` scripts can switch on, a message
// that says where it came from and what to do, and optional structured `data`.

/** Stable error codes. Add here, never invent one inline. */
export type WasmhostErrorCode =
  | 'not-a-component'      // empty, core module, truncated or corrupt bytes
  | 'unsupported'          // valid but uses something this host does not handle
  | 'wit-package'          // a WIT package encoded as a component: types only, nothing to run
  | 'bad-input'            // a user-supplied value, call or argument is malformed
  | 'unknown-export'       // the call names no export of the component
  | 'missing-import'       // the component imports something no provider offers
  | 'denied'               // the deployment does not grant a capability
  | 'trap'                 // the component trapped
  | 'transpile-failed'     // jco could not transpile the component
  | 'cache-corrupt'        // an artifact cache entry failed its check
  | 'io'                   // reading a file or URL failed
  | 'conflict'             // something the request needs is taken (an HTTP route another deployment serves)
  | 'exit';                // a command component called wasi:cli/exit (data.exitCode)

/** Plain form of an error, for crossing worker boundaries and `--json` output. */
export interface WasmhostErrorJson { code: WasmhostErrorCode; message: string; data?: unknown }

/** The base class of every error wasmhost throws on purpose. */
export class WasmhostError extends Error {
  readonly code: WasmhostErrorCode;
  readonly data?: unknown;

  constructor(code: WasmhostErrorCode, message: string, options?: { cause?: unknown; data?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WasmhostError';
    this.code = code;
    this.data = options?.data;
  }

  toJSON(): WasmhostErrorJson {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  static fromJSON(json: WasmhostErrorJson): WasmhostError {
    return new WasmhostError(json.code, json.message, { data: json.data });
  }
}
