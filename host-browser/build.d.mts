/** The esbuild options every browser bundle uses. */
export declare const bundleOptions: Record<string, unknown>;
/** Paths of jco's transpiler core modules, which must sit beside the bundle. */
export declare function transpilerWasmFiles(): string[];
/** Bundles `entryPoints` into `outdir` (esbuild) and copies the transpiler's wasm beside it. */
export declare function bundleBrowser(entryPoints: Record<string, string> | string[], outdir: string, extra?: Record<string, unknown>): Promise<void>;
