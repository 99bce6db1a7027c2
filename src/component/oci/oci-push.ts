// Publishing a Wasm component to an OCI registry in the Wasm OCI layout: the component blob
// and the config blob (each skipped when the registry has it; else POST an upload, PUT it with
// its digest), then the manifest under the tag.

import { WasmhostError } from '../../errors.js';
import { sha256Digest } from '../digest.js';
import { OCI_MANIFEST, wasmArtifact } from './oci-manifest.js';
import { formatOciReference, parseOciReference } from './oci-reference.js';
import { resolveLocation, urlOrigin, withQuery } from './oci-url.js';
import { createOciSession, type OciSession, type OciSessionOptions } from './oci-session.js';

/** What a push published. */
export interface OciPushResult {
  /** The manifest's digest: pin it as `oci://…@<digest>`. */
  manifestDigest: string;
  /** The component's digest (the deployment's `digest` field). */
  componentDigest: string;
  /** The reference pinned by manifest digest. */
  pinned: string;
}

const ANSWER_MAX_BYTES = 64 * 1024;

/** Pushes `component` to `location` (`oci://registry/repo:tag`). */
export async function pushComponent(location: string, component: Uint8Array, options: OciSessionOptions): Promise<OciPushResult> {
  const ref = parseOciReference(location);
  if (ref.digest !== undefined) throw new WasmhostError('bad-input', `push ${location}: name a tag, not a digest (the registry computes the manifest's digest)`);
  const session = createOciSession(ref, 'pull,push', options);
  const where = formatOciReference(ref);
  const componentDigest = await sha256Digest(component);
  const artifact = await wasmArtifact({ digest: componentDigest, size: component.byteLength }, sha256Digest);
  await uploadBlob(session, componentDigest, component, where);
  await uploadBlob(session, artifact.configDigest, artifact.config, where);
  const manifestDigest = await sha256Digest(artifact.manifest);
  const res = await session.request('PUT', `manifests/${ref.tag}`, {
    headers: { 'content-type': OCI_MANIFEST }, body: artifact.manifest, maxBytes: ANSWER_MAX_BYTES,
  });
  if (res.status !== 201) throw refused(where, `PUT manifest answered HTTP ${res.status}`, res.body);
  const claimed = res.headers['docker-content-digest'];
  if (claimed && claimed !== manifestDigest) throw new WasmhostError('io', `${where}: the registry stored the manifest as ${claimed}, not ${manifestDigest}`);
  return { manifestDigest, componentDigest, pinned: formatOciReference({ ...ref, tag: undefined, digest: manifestDigest }) };
}

async function uploadBlob(session: OciSession, digest: string, bytes: Uint8Array, where: string): Promise<void> {
  const head = await session.request('HEAD', `blobs/${digest}`, { maxBytes: ANSWER_MAX_BYTES });
  if (head.status === 200) return;
  const start = await session.request('POST', 'blobs/uploads/', { maxBytes: ANSWER_MAX_BYTES });
  if (start.status !== 202 || !start.headers.location) throw refused(where, `POST blobs/uploads/ answered HTTP ${start.status}`, start.body);
  const url = resolveLocation(start.headers.location, session.base);
  if (urlOrigin(url) !== urlOrigin(session.base)) throw new WasmhostError('io', `${where}: the upload location ${urlOrigin(url)} is not the registry's own`);
  const put = withQuery(url, 'digest', digest);
  const res = await session.request('PUT', put, {
    headers: { 'content-type': 'application/octet-stream' }, body: bytes, maxBytes: ANSWER_MAX_BYTES,
  });
  if (res.status !== 201) throw refused(where, `PUT blob ${digest} answered HTTP ${res.status}`, res.body);
}

function refused(where: string, what: string, body: Uint8Array): WasmhostError {
  const detail = new TextDecoder().decode(body.subarray(0, 300)).replace(/\s+/g, ' ').trim();
  return new WasmhostError('io', `${where}: ${what}${detail ? `: ${detail}` : ''}`);
}
