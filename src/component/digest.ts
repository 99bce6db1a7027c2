/** `sha256:<hex>` of some bytes, the identity of a component everywhere in wasmhost. */
export async function sha256Digest(bytes: Uint8Array): Promise<string> {
  // Web Crypto refuses views of shared memory (DOM types say so too): hash a copy then.
  const input = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', input));
  let hex = '';
  for (const b of hash) hex += b.toString(16).padStart(2, '0');
  return `sha256:${hex}`;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** True when `s` is a well-formed `sha256:<64 lowercase hex>` digest. */
export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}
