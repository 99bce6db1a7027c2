import { readFile } from 'node:fs/promises';
import { pushComponent } from '../../src/component/oci/oci-push.js';
import { PACKAGE_MAX_BYTES, PACKAGE_TIMEOUT_MS } from '../../src/deploy/fetch-budgets.js';
import { WasmhostError } from '../../src/errors.js';
import { createNodeHttpClient } from '../https-client.js';
import { loadRegistryCredentials } from '../registry-auth.js';

/** Options of `wasmhost push`. */
export interface PushOptions {
  registryAuth?: string;
  insecureRegistries?: string[];
  json: boolean;
}

/**
 * `wasmhost push <component.wasm> oci://registry/repo:tag`: publishes the component in the
 * Wasm OCI layout and prints the manifest digest (to pin with `@sha256:…`) and the component
 * digest (the deployment's `digest`).
 */
export async function pushCommand(file: string, target: string, options: PushOptions): Promise<number> {
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new WasmhostError('io', `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, { cause: error });
  });
  // A component's preamble: \0asm, then version 0x0d and layer 1 (a core module has layer 0).
  if (bytes.byteLength < 8 || bytes.readUInt32BE(0) !== 0x0061736d || bytes[4] !== 0x0d || bytes[6] !== 0x01) {
    throw new WasmhostError('not-a-component', `${file} is not a Wasm component (a core module or another file); push publishes components only`);
  }
  if (bytes.byteLength > PACKAGE_MAX_BYTES) throw new WasmhostError('bad-input', `${file} is ${bytes.byteLength} bytes, over the ${PACKAGE_MAX_BYTES}-byte package limit agents accept`);
  const credentials = await loadRegistryCredentials(options.registryAuth ?? process.env.WASMHOST_REGISTRY_AUTH);
  const http = createNodeHttpClient({ timeoutMs: PACKAGE_TIMEOUT_MS });
  const result = await pushComponent(target, bytes, { http, credentials, insecure: options.insecureRegistries, timeoutMs: PACKAGE_TIMEOUT_MS });
  if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`pushed ${target}\n  manifest  ${result.manifestDigest}\n  component ${result.componentDigest} (the deployment's digest)\n  pin as    ${result.pinned}\n`);
  return 0;
}
