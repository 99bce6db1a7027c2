// The device side of Margo's workload fleet management API (Margo Management Interface
// with the WFM Identity Profile: mTLS identifies the device, so no `{clientId}` in paths):
//   GET  /api/v1/deployments                          State Manifest, ETag / If-None-Match
//   GET  /api/v1/deployments/{deploymentId}/{digest}  one ApplicationDeployment YAML (the manifest's `url`)
//   POST /api/v1/deployments/{deploymentId}/status    DeploymentStatusManifest
//   POST /api/v1/capabilities/{deviceId}              first report of a DeviceCapabilitiesManifest
//   PUT  /api/v1/capabilities/{deviceId}              later updates of it
import { sha256Digest } from '../component/digest.js';
import { WasmhostError, type WasmhostErrorCode } from '../errors.js';
import type { HttpClient, HttpMethod, HttpRequestInit, HttpResponse } from '../ports/http-client.js';
import type { DeploymentStatus } from './types.js';

/** The unsigned State Manifest media type; the only one this client accepts. */
export const MANIFEST_MEDIA_TYPE = 'application/vnd.margo.manifest.v1+json';
/** `apiVersion` sent with each DeploymentStatusManifest. */
export const STATUS_API_VERSION = 'deployment.margo.org/v1alpha1';

/** How to reach a fleet manager. */
export interface WfmClientOptions {
  /** The fleet manager's URL, e.g. `https://wfm.example:8443` (a path prefix is kept for API calls). */
  baseUrl: string;
  /** Carries TLS and the client certificate (mTLS); see `createNodeHttpClient`. */
  http: HttpClient;
  /**
   * Refuse a deployment whose byte count differs from its `sizeBytes` (default true). Margo
   * calls `sizeBytes` advisory; set false for a fleet manager that only estimates it.
   */
  strictSize?: boolean;
}

/** What the caller persisted from the last accepted manifest (nothing on first start). */
export interface AcceptedManifest {
  /** Persist as `String(v)`, restore with `BigInt(s)`: Margo versions are unsigned 64-bit. */
  lastManifestVersion?: bigint;
  lastEtag?: string;
}

/** One deployment of a manifest, its YAML fetched and checked against the manifest's digest. */
export interface FetchedDeployment { deploymentId: string; digest: string; yaml: string }

/** The outcome of a poll: nothing new, or a complete manifest whose every YAML checked out. */
export type PollResult =
  | { changed: false }
  | { changed: true; manifestVersion: bigint; etag: string | undefined; deployments: FetchedDeployment[] };

/** Why a poll or report failed, in `error.data.reason` (with `error.data.url`). */
export type WfmErrorReason =
  | 'network' | 'http-status' | 'malformed' | 'unsupported' | 'stale-version' | 'digest-mismatch' | 'size-mismatch';

/** The device's calls to its fleet manager. */
export interface WfmClient {
  /** Fetches the State Manifest and, when it is new, every deployment YAML it lists. */
  pollDeployments(accepted: AcceptedManifest): Promise<PollResult>;
  /** Reports one deployment's status (POST). */
  reportStatus(status: DeploymentStatus): Promise<void>;
  /** First report of the device's capabilities manifest after it joined the fleet manager (POST). */
  reportCapabilities(deviceId: string, capabilities: Record<string, unknown>): Promise<void>;
  /** Replaces previously reported capabilities when they changed (PUT). */
  updateCapabilities(deviceId: string, capabilities: Record<string, unknown>): Promise<void>;
}

const DEVICE_ID = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
const DIGEST = /^[a-z0-9_-]+:[0-9a-f]+$/;
const MAX_U64 = (1n << 64n) - 1n;

/**
 * A stateless client of a Margo fleet manager. `pollDeployments` accepts a manifest only
 * whole: its `manifestVersion` must be strictly greater than `lastManifestVersion` (none on
 * first start), and every listed YAML must be fetched and match its `digest` (and
 * `sizeBytes`, see `strictSize`). Anything else throws a WasmhostError (`io` when the
 * fleet manager could not be reached or answered non-2xx, `bad-input` when what it sent is
 * malformed, stale or does not match), and the caller keeps its previous state.
 *
 * Contract for the caller (the agent enforces it): a workload is removed only when it is
 * absent from an ACCEPTED manifest. A failed poll, a 304, a refused version, a 404 on one
 * YAML: none of these removes anything. After reconciling an accepted manifest the caller
 * persists its `manifestVersion` and `etag` and passes them to the next poll.
 */
export function createWfmClient(options: WfmClientOptions): WfmClient {
  const base = /^(https?:\/\/[^/?#]+)(\/[^?#]*)?$/.exec(options.baseUrl);
  if (!base) throw new WasmhostError('bad-input', `fleet manager URL ${JSON.stringify(options.baseUrl)} is not an http(s) URL without query or fragment`);
  const origin = base[1];
  const api = `${origin}${(base[2] ?? '').replace(/\/+$/, '')}/api/v1`;
  const strictSize = options.strictSize ?? true;

  async function call(method: HttpMethod, url: string, init?: HttpRequestInit): Promise<HttpResponse> {
    try {
      return await options.http.request(method, url, init);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      throw fail('io', 'network', url, text.includes(url) ? text : `${method} ${url}: ${text}`, error);
    }
  }

  async function send(method: 'POST' | 'PUT', url: string, body: unknown): Promise<void> {
    const res = await call(method, url, {
      headers: { 'content-type': 'application/json' },
      body: new TextEncoder().encode(JSON.stringify(body)),
    });
    if (!ok(res)) throw statusError(method, url, res);
  }

  async function fetchDeployment(entry: ManifestEntry): Promise<FetchedDeployment> {
    const url = origin + entry.url;
    const name = `deployment ${JSON.stringify(entry.deploymentId)}`;
    const res = await call('GET', url, { headers: { accept: 'application/yaml' } });
    if (!ok(res)) {
      const cause = statusError('GET', url, res);
      throw fail('io', 'http-status', url, `${name}: ${cause.message}; the whole manifest is refused (a missing YAML is not a removal)`);
    }
    if (strictSize && entry.sizeBytes !== undefined && res.body.byteLength !== entry.sizeBytes) {
      throw fail('bad-input', 'size-mismatch', url, `${name}: ${url} sent ${res.body.byteLength} bytes, the manifest says sizeBytes ${entry.sizeBytes}; the whole manifest is refused`);
    }
    const digest = await sha256Digest(res.body);
    if (digest !== entry.digest) {
      throw fail('bad-input', 'digest-mismatch', url, `${name}: ${url} sent bytes with digest ${digest}, the manifest says ${entry.digest}; the whole manifest is refused`);
    }
    const yaml = utf8(res.body, url, `${name}: ${url} sent YAML that is not valid UTF-8`);
    return { deploymentId: entry.deploymentId, digest: entry.digest, yaml };
  }

  return {
    async pollDeployments(accepted) {
      const url = `${api}/deployments`;
      const headers: Record<string, string> = { accept: MANIFEST_MEDIA_TYPE };
      if (accepted.lastEtag !== undefined) headers['if-none-match'] = accepted.lastEtag;
      const res = await call('GET', url, { headers });
      if (res.status === 304) {
        if (accepted.lastEtag === undefined) throw fail('bad-input', 'malformed', url, `GET ${url} answered 304 Not Modified to a request without If-None-Match`);
        return { changed: false };
      }
      if (res.status === 406) throw fail('io', 'http-status', url, `GET ${url} answered 406 Not Acceptable: the fleet manager does not serve ${MANIFEST_MEDIA_TYPE} (unsigned manifests)`);
      if (!ok(res)) throw statusError('GET', url, res);
      if ((res.headers['content-type'] ?? '').includes('jws')) {
        throw fail('bad-input', 'unsupported', url, `GET ${url} sent a signed manifest (${res.headers['content-type']}); only ${MANIFEST_MEDIA_TYPE} is supported`);
      }
      const manifest = parseManifest(utf8(res.body, url, `GET ${url} sent a manifest that is not valid UTF-8`), url);
      const etag = res.headers['etag'];
      const last = accepted.lastManifestVersion;
      if (last !== undefined && manifest.version <= last) {
        // A server that ignores If-None-Match resends the accepted manifest: same version, same ETag.
        if (manifest.version === last && etag !== undefined && etag === accepted.lastEtag) return { changed: false };
        throw fail('bad-input', 'stale-version', url,
          `GET ${url} sent manifestVersion ${manifest.version}, not greater than the last accepted ${last}; refused (possible rollback), keeping the previous state`);
      }
      const settled = await Promise.allSettled(manifest.entries.map(fetchDeployment));
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      const deployments = settled.map((s) => (s as PromiseFulfilledResult<FetchedDeployment>).value);
      return { changed: true, manifestVersion: manifest.version, etag, deployments };
    },

    async reportStatus(status) {
      if (typeof status?.deploymentId !== 'string' || ['', '.', '..'].includes(status.deploymentId)) {
        throw new WasmhostError('bad-input', `deployment status without a usable deploymentId (${JSON.stringify(status?.deploymentId)}); nothing was sent`);
      }
      const url = `${api}/deployments/${encodeURIComponent(status.deploymentId)}/status`;
      await send('POST', url, { apiVersion: STATUS_API_VERSION, kind: 'DeploymentStatusManifest', ...status });
    },

    async reportCapabilities(deviceId, capabilities) {
      await send('POST', capabilitiesUrl(deviceId, capabilities), capabilities);
    },

    async updateCapabilities(deviceId, capabilities) {
      await send('PUT', capabilitiesUrl(deviceId, capabilities), capabilities);
    },
  };

  function capabilitiesUrl(deviceId: string, capabilities: unknown): string {
    if (typeof deviceId !== 'string' || !DEVICE_ID.test(deviceId) || deviceId.split('/').some((s) => s === '.' || s === '..')) {
      throw new WasmhostError('bad-input', `device id ${JSON.stringify(deviceId)} is not a Margo device id ("id[/child…]", letters, digits, . _ ~ -); nothing was sent`);
    }
    if (!isObject(capabilities)) throw new WasmhostError('bad-input', `capabilities of device ${deviceId} must be a JSON object; nothing was sent`);
    return `${api}/capabilities/${deviceId}`;
  }
}

interface ManifestEntry { deploymentId: string; digest: string; sizeBytes?: number; url: string }

/** Checks a State Manifest's shape; refuses the whole manifest on the first problem. */
function parseManifest(text: string, url: string): { version: bigint; entries: ManifestEntry[] } {
  const bad = (what: string) => fail('bad-input', 'malformed', url, `GET ${url} sent a manifest ${what}; refused, keeping the previous state`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw bad(`that is not JSON (${(error as Error).message})`);
  }
  if (!isObject(doc)) throw bad('that is not a JSON object');
  const version = manifestVersion(doc.manifestVersion, text);
  if (version === undefined) throw bad(`whose manifestVersion (${JSON.stringify(doc.manifestVersion)}) is not an integer in [1, 2^64-1]`);
  if (!Array.isArray(doc.deployments)) throw bad('whose deployments is missing or not an array');
  const seen = new Set<string>();
  const entries = doc.deployments.map((item: unknown, i: number): ManifestEntry => {
    const at = `deployments[${i}]`;
    if (!isObject(item)) throw bad(`whose ${at} is not an object`);
    const { deploymentId, digest, sizeBytes, url: path } = item;
    if (typeof deploymentId !== 'string' || deploymentId === '') throw bad(`whose ${at}.deploymentId is missing or not a string`);
    const name = `${at} (${JSON.stringify(deploymentId)})`;
    if (seen.has(deploymentId)) throw bad(`that lists deploymentId ${JSON.stringify(deploymentId)} twice`);
    seen.add(deploymentId);
    if (typeof digest !== 'string' || !DIGEST.test(digest)) throw bad(`whose ${name}.digest is not "<algorithm>:<lowercase hex>"`);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw fail('bad-input', 'unsupported', url, `GET ${url} sent a manifest whose ${name}.digest ${digest} is not sha256 (the only algorithm supported); refused, keeping the previous state`);
    }
    if (sizeBytes !== undefined && !(Number.isSafeInteger(sizeBytes) && (sizeBytes as number) >= 0)) throw bad(`whose ${name}.sizeBytes is not a non-negative integer`);
    if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
      throw bad(`whose ${name}.url is not an absolute path on the fleet manager (like /api/v1/deployments/<id>/<digest>)`);
    }
    return { deploymentId, digest, sizeBytes: sizeBytes as number | undefined, url: path };
  });
  return { version, entries };
}

/** The exact manifestVersion: JSON numbers past 2^53 are rounded, so those are read from the text. */
function manifestVersion(value: unknown, text: string): bigint | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) return undefined;
  const raw = Number.isSafeInteger(value) ? String(value) : rawTopLevelValue(text, 'manifestVersion');
  if (raw === undefined || !/^[0-9]+$/.test(raw)) return undefined;
  const version = BigInt(raw);
  return version >= 1n && version <= MAX_U64 ? version : undefined;
}

/** The source text of the last top-level member named `key` (the text is valid JSON). */
function rawTopLevelValue(text: string, key: string): string | undefined {
  let depth = 0;
  let found: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const colon = /^\s*:\s*/.exec(text.slice(end + 1));
      if (depth === 1 && colon && JSON.parse(text.slice(i, end + 1)) === key) {
        found = /^[^\s,}\]]+/.exec(text.slice(end + 1 + colon[0].length))?.[0];
      }
      i = end;
    }
  }
  return found;
}

function statusError(method: string, url: string, res: HttpResponse): WasmhostError {
  return fail('io', 'http-status', url, `${method} ${url} answered ${res.status}${detail(res.body)}`);
}

/** A short reason from an error body: Margo's `{error}`, RFC 9457's `detail`/`title`, or text. */
function detail(body: Uint8Array): string {
  const text = new TextDecoder().decode(body).trim();
  if (text === '') return '';
  let reason = text;
  try {
    const json: unknown = JSON.parse(text);
    if (isObject(json)) {
      const field = [json.error, json.detail, json.title, json.message].find((v) => typeof v === 'string');
      if (field !== undefined) reason = field as string;
    }
  } catch { /* not JSON: keep the text */ }
  return `: ${reason.length > 200 ? `${reason.slice(0, 200)}…` : reason}`;
}

function utf8(bytes: Uint8Array, url: string, message: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw fail('bad-input', 'malformed', url, message, error);
  }
}

function ok(res: HttpResponse): boolean {
  return res.status >= 200 && res.status < 300;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(code: WasmhostErrorCode, reason: WfmErrorReason, url: string, message: string, cause?: unknown): WasmhostError {
  return new WasmhostError(code, message, { cause, data: { reason, url } });
}
