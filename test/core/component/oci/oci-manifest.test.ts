import { describe, expect, it } from 'vitest';
import { readManifest, OCI_INDEX, OCI_MANIFEST, WASM_ARTIFACT, WASM_CONFIG, WASM_LAYER } from '../../../../src/component/oci/oci-manifest.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const wasmLayer = { mediaType: WASM_LAYER, digest: d('1'), size: 10 };

describe('Wasm OCI manifests', () => {
  it('takes the one application/wasm layer of a Wasm config or a Wasm artifactType', () => {
    const byConfig = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: WASM_CONFIG, digest: d('2'), size: 2 }, layers: [wasmLayer] };
    expect(readManifest(json(byConfig), undefined, 'x')).toEqual({ layer: wasmLayer });
    const byArtifact = { ...byConfig, artifactType: WASM_ARTIFACT, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: d('3'), size: 2 } };
    expect(readManifest(json(byArtifact), OCI_MANIFEST, 'x')).toEqual({ layer: wasmLayer });
  });

  it.each([
    ['not JSON', new TextEncoder().encode('<html>'), 'its manifest is not JSON'],
    ['two wasm layers', json({ schemaVersion: 2, config: { mediaType: WASM_CONFIG, digest: d('2'), size: 2 }, layers: [wasmLayer, wasmLayer] }), 'it has 2 application/wasm layers'],
    ['a docker image', json({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: {}, layers: [] }), 'media type "application/vnd.docker.distribution.manifest.v2+json"'],
    ['a bad digest', json({ schemaVersion: 2, config: { mediaType: WASM_CONFIG, digest: 'md5:x', size: 2 }, layers: [] }), 'config has no sha256 digest'],
    ['an index without a Wasm entry', json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{}, {}] }), 'its image index lists 2 manifests, 0 of them Wasm (expected exactly one)'],
  ])('refuses %s', (_name, body, why) => expect(() => readManifest(body, undefined, 'oci://r/a:1')).toThrow(`oci://r/a:1 is not a Wasm component artifact: ${why}`));

  it('picks the Wasm entry of an image index', () => {
    const entry = { mediaType: OCI_MANIFEST, digest: d('4'), size: 300, artifactType: WASM_ARTIFACT };
    const other = { mediaType: OCI_MANIFEST, digest: d('5'), size: 300, platform: { architecture: 'arm64', os: 'linux' } };
    expect(readManifest(json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [other, entry] }), undefined, 'x')).toEqual({ manifest: { mediaType: OCI_MANIFEST, digest: d('4'), size: 300 } });
  });
});
