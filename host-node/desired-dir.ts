import { watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { WasmhostError } from '../src/errors.js';
import { parseApplicationDescription, type ApplicationDescription } from '../src/deploy/manifest-description.js';
import { parseApplicationDeployment, type ApplicationDeployment } from '../src/deploy/manifest-deployment.js';
import { resolveDeployment } from '../src/deploy/manifest-resolve.js';
import type { DesiredDeployment } from '../src/deploy/types.js';

const MANIFEST = /\.(ya?ml|json)$/;

/**
 * Reads a desired-state folder: every `.yaml`/`.yml`/`.json` file may hold ApplicationDescriptions
 * and ApplicationDeployments (several YAML documents per file); each deployment is resolved
 * against the description with its application id. All or nothing: any problem in any file
 * throws one error listing them all, so a typo never removes a running workload.
 */
export async function readDesiredDir(dir: string): Promise<DesiredDeployment[]> {
  const files = (await readdir(dir)).filter((f) => MANIFEST.test(f) && !f.startsWith('.')).sort();
  const descriptions = new Map<string, ApplicationDescription>();
  const deployments: ApplicationDeployment[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const path = join(dir, file);
    try {
      const text = await readFile(path, 'utf8');
      const docs = file.endsWith('.json') ? [JSON.parse(text)] : parseAllDocuments(text).map((d) => {
        if (d.errors.length) throw new WasmhostError('bad-input', d.errors.map((e) => e.message).join('; '));
        return d.toJS();
      });
      for (const doc of docs) {
        const kind = (doc as { kind?: unknown } | null)?.kind;
        if (kind === 'ApplicationDescription') {
          const description = parseApplicationDescription(doc, path);
          descriptions.set(description.metadata.id, description);
        } else if (kind === 'ApplicationDeployment') {
          deployments.push(parseApplicationDeployment(doc, path));
        } else {
          problems.push(`${path}: kind ${JSON.stringify(kind)} is neither ApplicationDescription nor ApplicationDeployment`);
        }
      }
    } catch (error) {
      problems.push(error instanceof WasmhostError && error.message.includes(path) ? error.message : `${path}: ${(error as Error).message}`);
    }
  }
  const desired: DesiredDeployment[] = [];
  for (const deployment of deployments) {
    try {
      desired.push(resolveDeployment(deployment, descriptions.get(deployment.applicationId), dir));
    } catch (error) {
      problems.push(`${deployment.source ?? deployment.id}: ${(error as Error).message}`);
    }
  }
  const ids = desired.map((d) => d.id);
  for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) problems.push(`deployment id ${id} is used by more than one ApplicationDeployment`);
  if (problems.length) throw new WasmhostError('bad-input', `desired state in ${dir} is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return desired;
}

/** Callbacks of a watched desired-state folder. */
export interface DesiredDirHandlers {
  onDesired(desired: DesiredDeployment[]): void;
  /** A read that failed; the previous desired state stays in force. */
  onError(message: string): void;
}

/** Reads the folder now and again after every change (debounced), until closed. */
export function watchDesiredDir(dir: string, handlers: DesiredDirHandlers, debounceMs = 200): { close(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last: string | undefined;
  const read = () =>
    readDesiredDir(dir).then(
      (desired) => {
        const key = JSON.stringify(desired);
        if (key === last) return;
        last = key;
        handlers.onDesired(desired);
      },
      (error: Error) => handlers.onError(error.message),
    );
  void read();
  const watcher = watch(dir, () => {
    clearTimeout(timer);
    timer = setTimeout(read, debounceMs);
  });
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
