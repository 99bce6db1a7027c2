import type { Component } from './component.js';

/** The import object a component is instantiated with, keyed by unversioned WIT interface name (`wasi:cli/stderr`). */
export type ImportObject = Record<string, unknown>;

/** Runs components. The default is V8 through jco's glue; the interface keeps room for another engine. */
export interface Engine {
  readonly name: string;
  /** Makes a component ready to instantiate (transpile, or reuse a cached artifact). */
  prepare(component: Component): Promise<PreparedComponent>;
}

/** A component ready to be instantiated any number of times. */
export interface PreparedComponent {
  readonly digest: string;
  /** True when preparing it had to transpile (a cache miss). */
  readonly transpiled: boolean;
  instantiate(imports: ImportObject, options?: InstanceOptions): Promise<EngineInstance>;
}

/** Limits of one instance. */
export interface InstanceOptions {
  /** Cap of each core memory the component defines, in bytes (see `limitMemory`). */
  memoryBytes?: number;
}

/** One live instance of a component. */
export interface EngineInstance {
  /** The component's exports in jco's shape: free functions by camelCase name, interfaces by full and short name. */
  readonly exports: Record<string, unknown>;
  /** Core instances in the order they were created, with the core module each came from. */
  readonly coreInstances: readonly CoreInstance[];
}

/** A core WebAssembly instance inside a component instance. */
export interface CoreInstance { module: WebAssembly.Module; instance: WebAssembly.Instance }
