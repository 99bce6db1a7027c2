// The Wasm OCI artifact layout: media types, and checking a manifest (or an image index that
// points at one) down to the one `application/wasm` layer that holds the component.

import { WasmhostError } from '../../errors.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const WASM_CONFIG = 'application/vnd.wasm.config.v0+json';
export const WASM_LAYER = 'application/wasm';
export const WASM_ARTIFACT = 'application/vnd.wasm.component.v1+wasm';
/** What a pull accepts from the manifests endpoint. */
export const MANIFEST_ACCEPT = `${OCI_MANIFEST}, ${OCI_INDEX}`;

/** A content descriptor: what a blob or manifest is, its digest and size. */
export interface OciDescriptor { mediaType: string; digest: string; size: number }

/** What a manifests response holds: the component's layer, or (an index) the manifest to fetch next. */
export type ManifestStep = { layer: OciDescriptor } | { manifest: OciDescriptor };

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Reads a manifests response (`body` with its `contentType`) of `where`. A Wasm manifest
 * (config `application/vnd.wasm.config.v0+json` or artifactType `application/vnd.wasm.component.v1+wasm`,
 * exactly one `application/wasm` layer) gives the layer; an image index gives the one entry
 * that is a Wasm artifact (by artifactType, by platform wasm, or the only entry). Anything else
 * is refused with what was found.
 */
export function readManifest(body: Uint8Array, contentType: string | undefined, where: string): ManifestStep {
  const bad = (why: string) => new WasmhostError('unsupported', `${where} is not a Wasm component artifact: ${why}`);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as Record<string, unknown>;
  } catch {
    throw bad('its manifest is not JSON');
  }
  if (typeof doc !== 'object' || doc === null || doc.schemaVersion !== 2) throw bad('its manifest is not schemaVersion 2');
  const mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : contentType?.split(';')[0].trim();
  if (mediaType === OCI_INDEX || (mediaType === undefined && Array.isArray(doc.manifests))) return { manifest: pickFromIndex(doc, bad) };
  if (mediaType !== undefined && mediaType !== OCI_MANIFEST) throw bad(`media type ${JSON.stringify(mediaType)} (expected ${OCI_MANIFEST} or ${OCI_INDEX})`);
  const config = descriptor(doc.config, 'config', bad);
  if (config.mediaType !== WASM_CONFIG && doc.artifactType !== WASM_ARTIFACT) {
    throw bad(`config media type ${JSON.stringify(config.mediaType)} (expected ${WASM_CONFIG}, or artifactType ${WASM_ARTIFACT})`);
  }
  if (!Array.isArray(doc.layers)) throw bad('it has no layers');
  const wasm = doc.layers.map((l, i) => descriptor(l, `layers[${i}]`, bad)).filter((l) => l.mediaType === WASM_LAYER);
  if (wasm.length !== 1) throw bad(`it has ${wasm.length} ${WASM_LAYER} layers (expected exactly one)`);
  return { layer: wasm[0] };
}

function pickFromIndex(doc: Record<string, unknown>, bad: (why: string) => WasmhostError): OciDescriptor {
  const entries = Array.isArray(doc.manifests) ? doc.manifests as unknown[] : [];
  const isWasm = (e: unknown) => {
    const r = e as { artifactType?: unknown; platform?: { architecture?: unknown } };
    return r?.artifactType === WASM_ARTIFACT || r?.platform?.architecture === 'wasm';
  };
  const wasm = entries.filter(isWasm);
  const chosen = wasm.length === 1 ? wasm[0] : entries.length === 1 ? entries[0] : undefined;
  if (chosen === undefined) throw bad(`its image index lists ${entries.length} manifests, ${wasm.length} of them Wasm (expected exactly one)`);
  const entry = descriptor(chosen, 'manifests[]', bad);
  if (entry.mediaType !== OCI_MANIFEST) throw bad(`its image index points at ${JSON.stringify(entry.mediaType)} (expected ${OCI_MANIFEST})`);
  return entry;
}

function descriptor(value: unknown, path: string, bad: (why: string) => WasmhostError): OciDescriptor {
  const d = value as Partial<OciDescriptor> | undefined;
  if (typeof d !== 'object' || d === null || typeof d.mediaType !== 'string') throw bad(`${path} has no mediaType`);
  if (typeof d.digest !== 'string' || !DIGEST.test(d.digest)) throw bad(`${path} has no sha256 digest`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw bad(`${path} has no valid size`);
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

/** The config blob and manifest that publish one component (`layer`) in the Wasm OCI layout. */
export function wasmArtifact(layer: { digest: string; size: number }, configDigest: (bytes: Uint8Array) => Promise<string>) {
  const config = new TextEncoder().encode(JSON.stringify({ architecture: 'wasm', os: 'wasip2', layerDigests: [layer.digest] }));
  return configDigest(config).then((digest) => {
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: WASM_CONFIG, digest, size: config.byteLength },
      layers: [{ mediaType: WASM_LAYER, digest: layer.digest, size: layer.size }],
    };
    return { config, configDigest: digest, manifest: new TextEncoder().encode(JSON.stringify(manifest)) };
  });
}
