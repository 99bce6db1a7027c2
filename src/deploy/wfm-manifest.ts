// Margo rc.3's State Manifest (`application/vnd.margo.manifest.v1+json`,
// UnsignedAppStateManifest): `manifestVersion`, `bundle` (null without deployments) and
// `deployments[{deploymentId, digest, sizeBytes, url}]`. Read whole or refused whole.
import { WasmhostError } from '../errors.js';
import { MANIFEST_MAX_DEPLOYMENTS } from './fetch-budgets.js';

/** The State Manifest media type, the only one this client accepts. */
export const MANIFEST_MEDIA_TYPE = 'application/vnd.margo.manifest.v1+json';
/** The bundle media type (a gzip'd tar of the deployment YAMLs). */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.margo.bundle.v1+tar+gzip';
/** The highest manifestVersion accepted: 2^53-1, see `parseManifest`. */
export const MAX_MANIFEST_VERSION = BigInt(Number.MAX_SAFE_INTEGER);

/** One `deployments[]` entry. `sizeBytes` is Margo's estimate: never an integrity check. */
export interface ManifestEntry { deploymentId: string; digest: string; sizeBytes?: number; url: string }
/** The `bundle` reference, when the manifest offers a usable one. */
export interface BundleRef { digest: string; sizeBytes?: number; url: string }
/** A State Manifest that passed its checks. */
export interface StateManifest { version: bigint; bundle?: BundleRef; entries: ManifestEntry[] }

const DIGEST = /^[a-z0-9_-]+:[0-9a-f]+$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a State Manifest's shape; refuses the whole manifest on the first problem. */
export function parseManifest(text: string, url: string): StateManifest {
  const bad = (what: string, reason = 'malformed') =>
    new WasmhostError('bad-input', `GET ${url} sent a manifest ${what}; refused, keeping the previous state`, { data: { reason, url } });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw bad(`that is not JSON (${(error as Error).message})`);
  }
  if (!isObject(doc)) throw bad('that is not a JSON object');
  const version = doc.manifestVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw bad(`whose manifestVersion (${String(JSON.stringify(version)).slice(0, 40)}) is not a whole number ≥ 1`);
  }
  // Margo allows up to 2^64-1; a device that accepted a version near it could never accept a
  // later one. 2^53-1 leaves room for a version a second for 285 million years.
  if (!Number.isSafeInteger(version)) {
    throw bad(`whose manifestVersion ${String(JSON.stringify(version)).slice(0, 40)} is above ${MAX_MANIFEST_VERSION} (2^53-1), the highest this device accepts: a version that high would leave no room for later updates`);
  }
  if (!Array.isArray(doc.deployments)) throw bad('whose deployments is missing or not an array');
  if (doc.deployments.length > MANIFEST_MAX_DEPLOYMENTS) throw bad(`that lists ${doc.deployments.length} deployments, over the ${MANIFEST_MAX_DEPLOYMENTS} a device accepts`);
  const seen = new Set<string>();
  const entries = doc.deployments.map((item: unknown, i: number): ManifestEntry => {
    const at = `deployments[${i}]`;
    if (!isObject(item)) throw bad(`whose ${at} is not an object`);
    const { deploymentId, digest, sizeBytes, url: path } = item;
    if (typeof deploymentId !== 'string' || deploymentId === '') throw bad(`whose ${at}.deploymentId is missing or not a string`);
    const name = `${at} (${JSON.stringify(deploymentId)})`;
    if (seen.has(deploymentId)) throw bad(`that lists deploymentId ${JSON.stringify(deploymentId)} twice`);
    seen.add(deploymentId);
    checkDigest(digest, name, bad);
    checkSize(sizeBytes, name, bad);
    checkPath(path, name, bad);
    return { deploymentId, digest: digest as string, sizeBytes: sizeBytes as number | undefined, url: path as string };
  });
  return { version: BigInt(version), bundle: readBundle(doc.bundle, bad), entries };
}

type Bad = (what: string, reason?: string) => WasmhostError;

/**
 * `bundle`: null (or, leniently, absent) means none. One with another media type is ignored
 * (the deployments are fetched one by one); a malformed one refuses the manifest.
 */
function readBundle(value: unknown, bad: Bad): BundleRef | undefined {
  if (value === null || value === undefined) return undefined;
  if (!isObject(value)) throw bad('whose bundle is neither null nor an object');
  checkDigest(value.digest, 'bundle', bad);
  checkSize(value.sizeBytes, 'bundle', bad);
  checkPath(value.url, 'bundle', bad);
  if (value.mediaType !== BUNDLE_MEDIA_TYPE) return undefined;
  return { digest: value.digest as string, sizeBytes: value.sizeBytes as number | undefined, url: value.url as string };
}

function checkDigest(digest: unknown, name: string, bad: Bad): void {
  if (typeof digest !== 'string' || !DIGEST.test(digest)) throw bad(`whose ${name}.digest is not "<algorithm>:<lowercase hex>"`);
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw bad(`whose ${name}.digest ${digest} is not sha256 (the only algorithm supported)`, 'unsupported');
}

function checkSize(sizeBytes: unknown, name: string, bad: Bad): void {
  if (sizeBytes !== undefined && !(Number.isSafeInteger(sizeBytes) && (sizeBytes as number) >= 0)) throw bad(`whose ${name}.sizeBytes is not a whole number in [0, 2^53-1]`);
}

function checkPath(path: unknown, name: string, bad: Bad): void {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
    throw bad(`whose ${name}.url is not an absolute path on the fleet manager (like /api/v1/deployments/<id>/<digest>)`);
  }
}
