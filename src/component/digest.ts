/** `sha256:<hex>` of some bytes, the identity of a component everywhere in wasmhost. */
export async function sha256Digest(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const b of hash) hex += b.toString(16).padStart(2, '0');
  return `sha256:${hex}`;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** True when `s` is a well-formed `sha256:<64 lowercase hex>` digest. */
export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}
