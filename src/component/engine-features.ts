// The running WebAssembly engine's features, measured (not assumed): what `check`, `run` and
// the agent predict with before anything is transpiled. Platform-neutral: WebAssembly.validate
// and WebAssembly.promising exist in Node and in browsers alike; the host names the engine.
import type { EngineFeatures } from './engine-support.js';

/** This realm's WebAssembly engine as EngineFeatures, called `name` in messages. */
export function runningEngineFeatures(name: string): EngineFeatures {
  const wasm = WebAssembly as unknown as { promising?: unknown };
  return {
    name,
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
