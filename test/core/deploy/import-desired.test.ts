import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/component/digest.js';
import { resolveDesired } from '../../../src/deploy/desired-documents.js';
import { IMPORTED_FILE, prepareImport } from '../../../src/deploy/import-desired.js';
import { WasmhostError } from '../../../src/errors.js';

const BASE = '/state/imported';
const bytesA = new TextEncoder().encode('component a');
const bytesB = new TextEncoder().encode('component b');

/** An ApplicationDescription (YAML, with a comment and two components) and its deployment (JSON). */
async function sources(digestB?: string) {
  const description = `# a comment the import does not keep
apiVersion: margo.org/v1-alpha1
kind: ApplicationDescription
metadata: { id: app, name: App, version: 1.2.0 }
deploymentProfiles:
  - type: wasm.component
    id: wasm
    components:
      - name: a
        properties: { packageLocation: ./c/a.wasm, digest: "${await sha256Digest(bytesA)}" }
      - name: b
        properties: { packageLocation: c/b.wasm, digest: "${digestB ?? (await sha256Digest(bytesB))}", config: { n: "0012" } }
`;
  const deployment = {
    apiVersion: 'application.margo.org/v1alpha1', kind: 'ApplicationDeployment', id: 'app-here',
    metadata: { name: 'app', annotations: { applicationId: 'app' } }, spec: { deploymentProfile: { id: 'wasm' } },
  };
  return [{ source: 'media:app.yaml', text: description }, { source: 'media:deploy.json', text: JSON.stringify(deployment) }];
}
const files: Record<string, Uint8Array> = { './c/a.wasm': bytesA, 'c/b.wasm': bytesB };
const read = async (location: string) => {
  if (!files[location]) throw new Error('no such file');
  return files[location];
};

function problemsOf(error: unknown): string {
  expect(error).toBeInstanceOf(WasmhostError);
  expect((error as WasmhostError).code).toBe('bad-input');
  return (error as WasmhostError).message;
}

describe('prepareImport', () => {
  it('verifies every component and records YAML and JSON documents as one YAML text that resolves to the same desired state', async () => {
    const prepared = await prepareImport(await sources(), read, BASE);
    expect(prepared.desired.map((d) => [d.id, d.version, d.components.map((c) => c.name)])).toEqual([['app-here', '1.2.0', ['a', 'b']]]);
    expect([...prepared.components.keys()]).toEqual([await sha256Digest(bytesA), await sha256Digest(bytesB)]);
    expect(resolveDesired([{ source: IMPORTED_FILE, text: prepared.text }], BASE)).toEqual(prepared.desired);
    expect(prepared.desired[0].components[1].config).toEqual({ n: '0012' });
  });

  it('refuses the whole import listing every bad file: a digest mismatch, a missing file, a URL', async () => {
    const [description, deployment] = await sources(`sha256:${'0'.repeat(64)}`);
    const withUrl = description.text.replace('./c/a.wasm', 'https://example.com/a.wasm');
    const message = await prepareImport([{ ...description, text: withUrl }, deployment], read, BASE).then(() => '', problemsOf);
    expect(message).toContain('import refused, nothing was recorded and the previous desired state stays');
    expect(message).toContain(`component file "c/b.wasm" (deployment "app-here", component "b"): digest mismatch, the file is ${await sha256Digest(bytesB)}, the deployment expects sha256:${'0'.repeat(64)}`);
    expect(message).toContain('component file "https://example.com/a.wasm" (deployment "app-here", component "a"): is a URL');
    const missing = await prepareImport([{ ...description, text: description.text.replace('./c/a.wasm', 'c/gone.wasm') }, deployment], read, BASE).then(() => '', problemsOf);
    expect(missing).toContain('component file "c/gone.wasm" (deployment "app-here", component "a"): no such file');
  });

  it('refuses an invalid desired state as a --desired folder would, naming the source', async () => {
    const [description, deployment] = await sources();
    const climbing = description.text.replace('./c/a.wasm', '../../etc/a.wasm');
    const message = await prepareImport([{ ...description, text: climbing }, deployment], read, BASE).then(() => '', problemsOf);
    expect(message).toContain('packageLocation "../../etc/a.wasm"');
  });
});
