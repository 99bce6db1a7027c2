import { createRequire } from 'node:module';

/**
 * The workload worker's entry for a thread isolate: the bundle `npm run build` makes
 * (host-node/build-cli.mjs; a fresh thread is up in about two thirds of the time it takes to
 * load the worker's modules one by one) when it is not older than tsc's workload-worker.js;
 * undefined otherwise, so the isolate uses its default entry.
 */
export function workloadWorkerUrl(): URL | undefined {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return undefined;
  // node:fs through require: importing it as a module loads Node's streams.
  const { statSync } = createRequire(here)('node:fs') as typeof import('node:fs');
  const bundle = new URL('./worker-bundle/workload-worker.js', here);
  const modified = (url: URL) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? -1;
  return modified(bundle) >= modified(new URL('./workload-worker.js', here)) ? bundle : undefined;
}
