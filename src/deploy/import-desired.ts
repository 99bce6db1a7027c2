// Air-gapped install: a desired state brought on removable media with its components. All is
// checked before anything is recorded: the manifests (as a --desired folder's), then every
// component file against its deployment's digest. One problem refuses the whole import.
import { parseAllDocuments, stringify } from 'yaml';
import { sha256Digest } from '../component/digest.js';
import { WasmhostError } from '../errors.js';
import { resolveDesired, type ManifestSource } from './desired-documents.js';
import { IMPORTED_FILE } from './imported-file.js';
import type { DesiredDeployment } from './types.js';

/** A desired state read for import, verified and ready to record. */
export interface PreparedImport {
  desired: DesiredDeployment[];
  /** Component bytes by digest, each checked against it. */
  components: Map<string, Uint8Array>;
  /**
   * The whole desired state as one multi-document YAML text, so that recording it is one
   * atomic file write: an agent watching the folder never sees half of an import.
   */
  text: string;
}

export { IMPORTED_FILE };

const URL_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

/**
 * Validates `sources` as a desired-state folder at `base` (where the import is recorded), then
 * reads each component with `readComponent(location)` and checks its sha256 against the
 * deployment's `digest`. Every component must be carried as a file: a URL is refused (the
 * device may be offline). Throws one `bad-input` error listing every problem, each naming the
 * file; nothing is returned to record then.
 */
export async function prepareImport(
  sources: readonly ManifestSource[],
  readComponent: (location: string) => Promise<Uint8Array>,
  base: string,
): Promise<PreparedImport> {
  const desired = resolveDesired(sources, base);
  const components = new Map<string, Uint8Array>();
  const problems: string[] = [];
  const read = new Map<string, Promise<Uint8Array>>();
  for (const d of desired) {
    for (const c of d.components) {
      const what = `component file ${JSON.stringify(c.packageLocation)} (deployment ${JSON.stringify(d.id)}, component ${JSON.stringify(c.name)})`;
      if (URL_SCHEME.test(c.packageLocation)) {
        problems.push(`${what}: is a URL; an import must carry every component as a file beside its manifests`);
        continue;
      }
      if (!read.has(c.packageLocation)) read.set(c.packageLocation, readComponent(c.packageLocation));
      try {
        const bytes = await read.get(c.packageLocation)!;
        const digest = await sha256Digest(bytes);
        if (digest !== c.digest) problems.push(`${what}: digest mismatch, the file is ${digest}, the deployment expects ${c.digest}`);
        else components.set(digest, bytes);
      } catch (error) {
        problems.push(`${what}: ${(error as Error).message}`);
      }
    }
  }
  if (problems.length) {
    throw new WasmhostError('bad-input', `import refused, nothing was recorded and the previous desired state stays:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  const text = combined(sources);
  // What gets recorded must be what was checked: read it back as the agent will.
  const recorded = resolveDesired([{ source: IMPORTED_FILE, text }], base);
  if (JSON.stringify(recorded) !== JSON.stringify(desired)) {
    throw new WasmhostError('bad-input', 'import refused: the manifests do not survive being combined into one YAML file unchanged (please report this)');
  }
  return { desired, components, text };
}

/** Every document of every source, re-serialised as one multi-document YAML text. */
function combined(sources: readonly ManifestSource[]): string {
  const docs = sources.flatMap(({ source, text }) => (source.endsWith('.json') ? [JSON.parse(text) as unknown] : parseAllDocuments(text).map((d) => d.toJS() as unknown)));
  const header = `# Recorded by \`wasmhost import\` from ${sources.map((s) => JSON.stringify(s.source)).join(', ')}.\n# Its components are in the state directory's component store, by digest.\n`;
  return header + docs.map((doc) => `---\n${stringify(doc)}`).join('');
}
