/** What jco's transpiler produces for one component: the JS glue and its core modules. */
export interface TranspiledArtifact {
  /** `sha256:<hex>` of the component bytes this was made from. */
  digest: string;
  /** The instantiation-mode ES module source (`export function instantiate(getCoreModule, imports, instantiateCore)`). */
  glue: string;
  /** Core module bytes by the file name the glue asks `getCoreModule` for. */
  coreModules: Record<string, Uint8Array>;
}

/** A cached artifact, loaded lazily: the glue as a module, core modules on demand. */
export interface CachedArtifact {
  digest: string;
  /** Imports the glue module (each platform has its fastest way: a file, a Blob URL, a data URL). */
  importGlue(): Promise<GlueModule>;
  /** Core module bytes by name; undefined for a name the artifact does not have. */
  coreModule(name: string): Promise<Uint8Array | undefined>;
  /** The whole artifact (glue source and core modules), for running it elsewhere (a worker). */
  artifact(): Promise<TranspiledArtifact>;
}

/** The shape of a jco instantiation-mode glue module. */
export interface GlueModule {
  instantiate(
    getCoreModule: (name: string) => WebAssembly.Module | Promise<WebAssembly.Module>,
    imports: Record<string, unknown>,
    instantiateCore?: (module: WebAssembly.Module, imports?: Record<string, Record<string, unknown>>) => WebAssembly.Instance | Promise<WebAssembly.Instance>,
  ): Promise<Record<string, unknown>>;
}

/** Stores transpiled artifacts by component digest, so a component is transpiled once per device. */
export interface ArtifactCache {
  /** The artifact for a digest, or undefined when absent or when the entry failed its integrity check (it is then dropped). */
  get(digest: string): Promise<CachedArtifact | undefined>;
  /** Stores an artifact and returns it in cached form. */
  put(artifact: TranspiledArtifact): Promise<CachedArtifact>;
  /**
   * The world entry stored for a component digest (text the core wrote and checks itself,
   * world-entry.ts), or undefined. Optional: without it the world is decoded on every load.
   */
  getWorld?(digest: string): Promise<string | undefined>;
  /** Stores (replaces) the world entry of a component digest. */
  putWorld?(digest: string, entry: string): Promise<void>;
}
