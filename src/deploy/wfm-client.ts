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
import {
  DEPLOYMENT_MAX_BYTES, DEPLOYMENT_TIMEOUT_MS, MANIFEST_MAX_BYTES, MANIFEST_MAX_DEPLOYMENTS, MANIFEST_TIMEOUT_MS, POLL_FETCHES_AT_ONCE,
  POLL_TIMEOUT_MS, REPORT_MAX_BYTES, REPORT_TIMEOUT_MS,
} from './fetch-budgets.js';
import { createCanceller } from './cancel.js';

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
  /**
   * Allow a plain `http:` fleet manager off this device (default false: only https, or http on
   * loopback). Over plain http anyone on the path can forge a manifest, e.g. one whose
   * manifestVersion locks out every later update; only an operator's explicit opt-out sets this.
   */
  allowHttp?: boolean;
}

/** The highest manifestVersion accepted: 2^53-1, see `parseManifest`. */
export const MAX_MANIFEST_VERSION = BigInt(Number.MAX_SAFE_INTEGER);

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
  | 'network' | 'timeout' | 'too-large' | 'aborted' | 'http-status' | 'malformed' | 'unsupported' | 'stale-version' | 'digest-mismatch' | 'size-mismatch';

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
  /** Aborts the poll in progress, if any (shutdown); it then rejects and changes nothing. */
  abort?(): void;
}

const DEVICE_ID = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
const DIGEST = /^[a-z0-9_-]+:[0-9a-f]+$/;

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
  if (/^http:/i.test(origin) && !options.allowHttp && !/^http:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i.test(origin)) {
    throw new WasmhostError('bad-input', `fleet manager URL ${origin} is plain http: anyone on the network path could forge its manifests; use https (or, knowingly, the insecure-http opt-out)`);
  }
  const api = `${origin}${(base[2] ?? '').replace(/\/+$/, '')}/api/v1`;
  const strictSize = options.strictSize ?? true;

  /** Cancelled by the deadline of the poll in progress; `expired` says it was the deadline. */
  let poll = { ...createCanceller(), expired: false as boolean };

  async function call(method: HttpMethod, url: string, init?: HttpRequestInit): Promise<HttpResponse> {
    try {
      return await options.http.request(method, url, init);
    } catch (error) {
      if (poll.expired) throw fail('io', 'timeout', url, `${method} ${url}: the poll did not complete within its ${POLL_TIMEOUT_MS} ms deadline; keeping the previous state`, error);
      const text = error instanceof Error ? error.message : String(error);
      const said = (error as { data?: { reason?: unknown } })?.data?.reason;
      const reason: WfmErrorReason = said === 'timeout' || said === 'too-large' || said === 'aborted' ? said : 'network';
      throw fail('io', reason, url, text.includes(url) ? text : `${method} ${url}: ${text}`, error);
    }
  }

  async function send(method: 'POST' | 'PUT', url: string, body: unknown): Promise<void> {
    const res = await call(method, url, {
      headers: { 'content-type': 'application/json' },
      body: new TextEncoder().encode(JSON.stringify(body)),
      maxBytes: REPORT_MAX_BYTES,
      timeoutMs: REPORT_TIMEOUT_MS,
    });
    if (!ok(res)) throw statusError(method, url, res);
  }

  async function fetchDeployment(entry: ManifestEntry): Promise<FetchedDeployment> {
    const url = origin + entry.url;
    const name = `deployment ${JSON.stringify(entry.deploymentId)}`;
    if (entry.sizeBytes !== undefined && entry.sizeBytes > DEPLOYMENT_MAX_BYTES) {
      throw fail('bad-input', 'size-mismatch', url, `${name}: sizeBytes ${entry.sizeBytes} is over the ${DEPLOYMENT_MAX_BYTES}-byte limit of a deployment YAML; the whole manifest is refused`);
    }
    const res = await call('GET', url, {
      headers: { accept: 'application/yaml' }, maxBytes: DEPLOYMENT_MAX_BYTES, timeoutMs: DEPLOYMENT_TIMEOUT_MS, signal: poll.signal,
    });
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

  async function pollOnce(accepted: AcceptedManifest): Promise<PollResult> {
    const url = `${api}/deployments`;
    const headers: Record<string, string> = { accept: MANIFEST_MEDIA_TYPE };
    if (accepted.lastEtag !== undefined) headers['if-none-match'] = accepted.lastEtag;
    const res = await call('GET', url, { headers, maxBytes: MANIFEST_MAX_BYTES, timeoutMs: MANIFEST_TIMEOUT_MS, signal: poll.signal });
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
    const deployments = await fetchAll(manifest.entries);
    return { changed: true, manifestVersion: manifest.version, etag, deployments };
  }

  /** Fetches every entry's YAML, a few at once; the first failure aborts the rest. */
  async function fetchAll(entries: ManifestEntry[]): Promise<FetchedDeployment[]> {
    const out: FetchedDeployment[] = [];
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const i = next++;
        out[i] = await fetchDeployment(entries[i]);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(POLL_FETCHES_AT_ONCE, entries.length) }, worker));
    } catch (error) {
      poll.cancel();
      throw error;
    }
    return out;
  }

  return {
    async pollDeployments(accepted) {
      poll.cancel();
      const current = (poll = { ...createCanceller(), expired: false as boolean });
      const deadline = setTimeout(() => {
        current.expired = true;
        current.cancel();
      }, POLL_TIMEOUT_MS);
      try {
        return await pollOnce(accepted);
      } finally {
        clearTimeout(deadline);
      }
    },

    async reportStatus(status) {
      if (typeof status?.deploymentId !== 'string' || ['', '.', '..'].includes(status.deploymentId)) {
        throw new WasmhostError('bad-input', `deployment status without a usable deploymentId (${JSON.stringify(status?.deploymentId)}); nothing was sent`);
      }
      const url = `${api}/deployments/${encodeURIComponent(status.deploymentId)}/status`;
      await send('POST', url, { apiVersion: STATUS_API_VERSION, kind: 'DeploymentStatusManifest', ...status });
    },

    abort: () => poll.cancel(),

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
    if (typeof digest !== 'string' || !DIGEST.test(digest)) throw bad(`whose ${name}.digest is not "<algorithm>:<lowercase hex>"`);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw fail('bad-input', 'unsupported', url, `GET ${url} sent a manifest whose ${name}.digest ${digest} is not sha256 (the only algorithm supported); refused, keeping the previous state`);
    }
    if (sizeBytes !== undefined && !(Number.isSafeInteger(sizeBytes) && (sizeBytes as number) >= 0)) throw bad(`whose ${name}.sizeBytes is not a whole number in [0, 2^53-1]`);
    if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
      throw bad(`whose ${name}.url is not an absolute path on the fleet manager (like /api/v1/deployments/<id>/<digest>)`);
    }
    return { deploymentId, digest, sizeBytes: sizeBytes as number | undefined, url: path };
  });
  return { version: BigInt(version), entries };
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
