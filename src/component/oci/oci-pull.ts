// Pulling a Wasm component from an OCI registry: manifest (or index → manifest), then the one
// `application/wasm` layer blob, every digest checked, the blob taken from a digest-keyed store
// when it is there, and a download cut midway continued with a Range request.

import { WasmhostError } from '../../errors.js';
import type { ComponentStore } from '../../ports/agent-ports.js';
import { sha256Digest } from '../digest.js';
import { MANIFEST_ACCEPT, readManifest, type OciDescriptor } from './oci-manifest.js';
import { formatOciReference, parseOciReference, type OciReference } from './oci-reference.js';
import { createOciSession, type OciSession, type OciSessionOptions } from './oci-session.js';

/** Budgets, transport and cache of a pull. */
export interface OciPullOptions extends OciSessionOptions {
  /** Largest component accepted (the layer's declared size and the bytes received). */
  maxBytes: number;
  /** Blobs by digest: a hit skips the download; a downloaded blob is put there once verified. */
  blobs?: ComponentStore;
  /** Range requests after a cut download (default 3). */
  resumes?: number;
  /** Hears the layer's bytes received so far and its declared size, as the blob downloads. */
  onProgress?: (received: number, total: number) => void;
}

/** What a pull got and how. */
export interface OciPullResult {
  bytes: Uint8Array;
  /** Digest of the manifest the layer came from. */
  manifestDigest: string;
  layer: OciDescriptor;
  /** True when the blob came from `blobs`, not the registry. */
  cached: boolean;
  /** Bytes received from the registry (manifests and blob). */
  received: number;
}

/** Manifests are small; registries accept up to 4 MiB (OCI distribution spec). */
export const OCI_MANIFEST_MAX_BYTES = 4 * 1024 * 1024;

/** Pulls the component `location` (`oci://…`) names. Errors name the reference and what to do. */
export async function pullComponent(location: string, options: OciPullOptions): Promise<OciPullResult> {
  const ref = parseOciReference(location);
  const session = createOciSession(ref, 'pull', options);
  const where = formatOciReference(ref);
  let received = 0;
  let manifest = await fetchManifest(session, ref, ref.digest ?? ref.tag!, ref.digest, where);
  received += manifest.size;
  let step = readManifest(manifest.body, manifest.contentType, where);
  if ('manifest' in step) {
    manifest = await fetchManifest(session, ref, step.manifest.digest, step.manifest.digest, where);
    received += manifest.size;
    step = readManifest(manifest.body, manifest.contentType, where);
    if ('manifest' in step) throw new WasmhostError('unsupported', `${where}: an image index that points at another index is not supported`);
  }
  const layer = step.layer;
  if (layer.size > options.maxBytes) throw new WasmhostError('io', `${where}: the component layer is ${layer.size} bytes, over the ${options.maxBytes}-byte limit`, { data: { reason: 'too-large' } });
  const stored = await options.blobs?.get(layer.digest);
  if (stored && stored.byteLength === layer.size && (await sha256Digest(stored)) === layer.digest) {
    return { bytes: stored, manifestDigest: manifest.digest, layer, cached: true, received };
  }
  const blob = await fetchBlob(session, layer, options.resumes ?? 3, where, options.onProgress);
  received += blob.received;
  await options.blobs?.put(layer.digest, blob.bytes);
  return { bytes: blob.bytes, manifestDigest: manifest.digest, layer, cached: false, received };
}

async function fetchManifest(session: OciSession, ref: OciReference, reference: string, pinned: string | undefined, where: string) {
  const res = await session.request('GET', `manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT }, maxBytes: OCI_MANIFEST_MAX_BYTES });
  if (res.status === 404) throw new WasmhostError('io', `${where}: the registry has no manifest ${reference} in ${ref.repository} (push it first, or check the tag)`, { data: { status: 404 } });
  if (res.status !== 200) throw new WasmhostError('io', `${where}: GET manifest ${reference} answered HTTP ${res.status}`, { data: { status: res.status } });
  const digest = await sha256Digest(res.body);
  const claimed = res.headers['docker-content-digest'];
  if (pinned !== undefined && digest !== pinned) throw digestError(where, `manifest ${pinned}`, digest);
  if (claimed !== undefined && claimed.startsWith('sha256:') && claimed !== digest) throw digestError(where, `manifest ${claimed} (as the registry says)`, digest);
  return { body: res.body, contentType: res.headers['content-type'], digest, size: res.body.byteLength };
}

/** The blob, continued with `Range: bytes=<n>-` after a cut, then checked against its digest and size. */
async function fetchBlob(session: OciSession, layer: OciDescriptor, resumes: number, where: string, onProgress?: OciPullOptions['onProgress']) {
  const parts: Uint8Array[] = [];
  let have = 0;
  let received = 0;
  for (let attempt = 0; ; attempt++) {
    const chunks: Uint8Array[] = [];
    let got = 0;
    const onChunk = (c: Uint8Array) => {
      chunks.push(c);
      got += c.byteLength;
      onProgress?.(have + got, layer.size);
    };
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (have > 0) headers.range = `bytes=${have}-`;
    let res;
    try {
      res = await session.request('GET', `blobs/${layer.digest}`, { headers, maxBytes: layer.size, onChunk });
    } catch (error) {
      const reason = (error as WasmhostError).data as { reason?: string } | undefined;
      const partial = chunks.reduce((n, c) => n + c.byteLength, 0);
      const cut = error instanceof WasmhostError && error.code === 'io' && reason?.reason === undefined && partial > 0;
      if (!cut || attempt >= resumes || have + partial >= layer.size) throw error;
      received += partial;
      parts.push(...chunks);
      have += partial;
      continue;
    }
    received += res.body.byteLength;
    if (have > 0 && res.status === 206 && res.headers['content-range']?.startsWith(`bytes ${have}-`)) parts.push(res.body);
    else if (res.status === 200) parts.splice(0, parts.length, res.body);
    else if (res.status === 404) throw new WasmhostError('io', `${where}: the registry has no blob ${layer.digest}`, { data: { status: 404 } });
    else throw new WasmhostError('io', `${where}: GET blob ${layer.digest} answered HTTP ${res.status}`, { data: { status: res.status } });
    break;
  }
  const bytes = concat(parts);
  const digest = await sha256Digest(bytes);
  if (digest !== layer.digest || bytes.byteLength !== layer.size) throw digestError(where, `blob ${layer.digest} (${layer.size} bytes)`, `${digest} (${bytes.byteLength} bytes)`);
  return { bytes, received };
}

function digestError(where: string, expected: string, got: string): WasmhostError {
  return new WasmhostError('bad-input',
    `digest mismatch: ${where}: expected ${expected}, received ${got}; the registry's copy is corrupt or was tampered with, so it is refused (the registry's operator must repair or delete that blob)`,
    { data: { expected, got } });
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
