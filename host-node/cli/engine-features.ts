// The running engine's features, measured (not assumed): what `check` and `run` predict with.
import type { EngineFeatures } from '../../src/component/engine-support.js';

/** This process's V8 as an EngineFeatures (after the host has set its V8 flags). */
export function nodeEngineFeatures(): EngineFeatures {
  const wasm = WebAssembly as unknown as { promising?: unknown };
  return {
    name: `V8 ${process.versions.v8.split('-')[0]} (Node ${process.versions.node})`,
    compileError(module) {
      const bytes = module as Uint8Array<ArrayBuffer>;
      if (WebAssembly.validate(bytes)) return undefined;
      try {
        new WebAssembly.Module(bytes);
        return 'it does not validate';
      } catch (error) {
        return (error as Error).message.replace(/^WebAssembly\.Module\(\): /, '');
      }
    },
    jspi: typeof wasm.promising === 'function',
  };
}
