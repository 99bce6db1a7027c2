// The WIT type model the core reasons with: decoded from component binaries,
// printed as WIT, used to parse/print WAVE values and to match imports.

/** A WIT primitive type name. */
export type WitPrimitive =
  | 'bool' | 's8' | 'u8' | 's16' | 'u16' | 's32' | 'u32' | 's64' | 'u64'
  | 'f32' | 'f64' | 'char' | 'string';

/**
 * A WIT value type. `name` is set when the type is a named (exported) type in WIT; a
 * primitive's `name` is the primitive, and `alias` the WIT name it goes by (`type instant = u64`).
 */
export type WitType =
  | { kind: 'primitive'; name: WitPrimitive; alias?: string }
  | { kind: 'list'; element: WitType; length?: number; name?: string }
  | { kind: 'tuple'; types: WitType[]; name?: string }
  | { kind: 'record'; fields: WitField[]; name?: string }
  | { kind: 'variant'; cases: WitCase[]; name?: string }
  | { kind: 'enum'; cases: string[]; name?: string }
  | { kind: 'flags'; flags: string[]; name?: string }
  | { kind: 'option'; type: WitType; name?: string }
  | { kind: 'result'; ok?: WitType; err?: WitType; name?: string }
  | { kind: 'own'; resource: string }
  | { kind: 'borrow'; resource: string }
  | { kind: 'future'; type?: WitType; name?: string }
  | { kind: 'stream'; type?: WitType; name?: string }
  | { kind: 'error-context' };

/** A named field of a record. */
export interface WitField { name: string; type: WitType }

/** A case of a variant, with an optional payload. */
export interface WitCase { name: string; type?: WitType }

/** A named parameter of a function. */
export interface WitParam { name: string; type: WitType }

/** A WIT function: free function, or a resource constructor/method/static. */
export interface WitFunction {
  /** The name as written in WIT (`roundtrip-record1`, `[method]x.get-a`, `[constructor]x`). */
  name: string;
  params: WitParam[];
  /** The single result, if any (named multiple results are folded into a tuple-like record by the decoder). */
  result?: WitType;
  /** True for `async func` (component-model async). */
  async?: boolean;
  /** For a resource function: what it is (set with `resource`; absent for free functions). */
  kind?: 'constructor' | 'method' | 'static';
  /** For a resource function: the resource's name (`x` in `[method]x.get-a`). */
  resource?: string;
}

/** A named type declared by an interface or world (records, variants, resources, aliases…). */
export interface WitTypeDef {
  name: string;
  /** For a resource, `{ kind: 'resource' }`; otherwise the value type it names. */
  type: WitType | { kind: 'resource' };
  /**
   * Set when the type is another type under this name: a WIT `use` (`interface` is the
   * full name of the interface it comes from, `wasi:io/error@0.2.0`), or, without
   * `interface`, an alias of a resource in the same interface.
   */
  from?: { interface?: string; name: string };
}

/** A WIT package id: `wasi:cli@0.2.0`. */
export interface WitPackageId { namespace: string; name: string; version?: string }

/** An interface imported or exported by a component, with its full contents. */
export interface WitInterface {
  /** Full name as it appears in the component: `wasi:cli/stderr@0.2.0`, or a plain name (`imports`) for an inline interface. */
  name: string;
  /** Set when the name is a package-qualified interface (`wasi:cli/stderr@0.2.0`). */
  package?: WitPackageId;
  /** The interface's own name (`stderr`); equals `name` for inline interfaces. */
  interfaceName: string;
  types: WitTypeDef[];
  functions: WitFunction[];
}

/** One item of a world: an interface, a free function, or a type. */
export type WorldItem =
  | { kind: 'interface'; interface: WitInterface }
  | { kind: 'function'; function: WitFunction }
  | { kind: 'type'; type: WitTypeDef };

/** What a component imports and exports, with full types. */
export interface ComponentWorld {
  imports: WorldItem[];
  exports: WorldItem[];
}

/** A world a WIT package defines: its full name (`demo:calc/calc@0.1.0`) and contents. */
export interface WitWorld extends ComponentWorld { name: string }

/** What a WIT package encoded as a component defines (it has nothing to run). */
export interface WitPackage { interfaces: WitInterface[]; worlds: WitWorld[] }
