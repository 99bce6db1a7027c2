// The device side of Margo's Workload Management API 1.0.0-rc.3 (mTLS identifies the device,
// so no client id in paths):
//   GET    /api/v1/deployments                          State Manifest, ETag / If-None-Match / 304
//   GET    /api/v1/bundles/{digest}                     every deployment YAML as one tar.gz
//   GET    /api/v1/deployments/{deploymentId}/{digest}  one ApplicationDeployment YAML
//   POST   /api/v1/deployments/{deploymentId}/status    DeploymentStatusManifest (adoptedManifestVersion)
//   PUT    /api/v1/capabilities/{deviceId}              DeviceCapabilitiesManifest (`gw/child` for children)
//   DELETE /api/v1/capabilities/{deviceId}              deregistration
// Every non-2xx answer is read as an RFC 9457 problem (wfm-problem.ts) and carried in the error.
import { sha256Digest } from '../component/digest.js';
import { WasmhostError, type WasmhostErrorCode } from '../errors.js';
import type { HttpClient, HttpMethod, HttpRequestInit, HttpResponse } from '../ports/http-client.js';
import type { DeploymentStatus } from './types.js';
import {
  BUNDLE_MAX_BYTES, BUNDLE_TIMEOUT_MS, DEPLOYMENT_MAX_BYTES, DEPLOYMENT_TIMEOUT_MS, MANIFEST_MAX_BYTES, MANIFEST_TIMEOUT_MS,
  POLL_FETCHES_AT_ONCE, POLL_TIMEOUT_MS, REPORT_MAX_BYTES, REPORT_TIMEOUT_MS,
} from './fetch-budgets.js';
import { createCanceller } from './cancel.js';
import { BUNDLE_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, parseManifest, type BundleRef, type ManifestEntry } from './wfm-manifest.js';
import { bundleFiles, gunzip } from './wfm-bundle.js';
import { describeProblem, readProblem, type WfmProblem } from './wfm-problem.js';

export { MANIFEST_MEDIA_TYPE, BUNDLE_MEDIA_TYPE, MAX_MANIFEST_VERSION } from './wfm-manifest.js';

/** How to reach a fleet manager. */
export interface WfmClientOptions {
  /** The fleet manager's URL, e.g. `https://wfm.example:8443` (a path prefix is kept for API calls). */
  baseUrl: string;
  /** Carries TLS and the client certificate (mTLS); see `createNodeHttpClient`. */
  http: HttpClient;
  /**
   * Allow a plain `http:` fleet manager off this device (default false: only https, or http on
   * loopback). Over plain http anyone on the path can forge a manifest, e.g. one whose
   * manifestVersion locks out every later update; only an operator's explicit opt-out sets this.
   */
  allowHttp?: boolean;
  /** Wall-clock ms, for `Retry-After` dates (default `Date.now`). */
  now?: () => number;
}

/** What the caller persisted from the last accepted manifest (nothing on first start). */
export interface AcceptedManifest {
  /** Persist as `String(v)`, restore with `BigInt(s)`: Margo versions are unsigned 64-bit. */
  lastManifestVersion?: bigint;
  lastEtag?: string;
}

/** One deployment of a manifest, its YAML fetched and checked against the manifest's digest. */
export interface FetchedDeployment { deploymentId: string; digest: string; yaml: string }

/** How the YAMLs of an accepted manifest arrived: counts of each way. */
export interface FetchCounts { bundle: number; single: number; cached: number }

/** The outcome of a poll: nothing new, or a complete manifest whose every YAML checked out. */
export type PollResult =
  | { changed: false }
  | { changed: true; manifestVersion: bigint; etag: string | undefined; deployments: FetchedDeployment[]; fetched: FetchCounts };

/** Why a poll or report failed, in `error.data.reason` (with `error.data.url`; `data.problem` for `http-status`). */
export type WfmErrorReason =
  | 'network' | 'timeout' | 'too-large' | 'aborted' | 'http-status' | 'malformed' | 'unsupported' | 'stale-version' | 'digest-mismatch';

/** The device's calls to its fleet manager. */
export interface WfmClient {
  /** Fetches the State Manifest and, when it is new, every deployment YAML it lists that is not cached. */
  pollDeployments(accepted: AcceptedManifest): Promise<PollResult>;
  /** Reports one deployment's status against the manifest version the device has adopted. */
  reportStatus(status: DeploymentStatus, adoptedManifestVersion: bigint): Promise<void>;
  /** Reports (or replaces) the capabilities of this device or of a child (`gw/child`). */
  putCapabilities(deviceId: string, capabilities: Record<string, unknown>): Promise<void>;
  /** Deregisters a device (a child gone); a 404 (already unknown) counts as done. */
  deleteCapabilities(deviceId: string): Promise<void>;
  /** Aborts the poll in progress, if any (shutdown); it then rejects and changes nothing. */
  abort?(): void;
}

/** A manifest offers its bundle's one download when at least this many YAMLs changed, and at least half of them. */
export const BUNDLE_MIN_CHANGED = 2;

const DEVICE_ID = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;

/**
 * A client of a Margo fleet manager. `pollDeployments` accepts a manifest only whole: its
 * `manifestVersion` must be strictly greater than `lastManifestVersion` (none on first
 * start), and every listed YAML must match its `digest` (`sizeBytes` is an estimate and is
 * never checked). YAMLs are cached by digest, so a manifest that changes only its version
 * downloads nothing. Anything else throws a WasmhostError (`io` when the fleet manager could
 * not be reached or answered non-2xx, with the problem details in `data.problem`; `bad-input`
 * when what it sent is malformed, stale or does not match), and the caller keeps its state.
 *
 * Contract for the caller: a workload is removed only when it is absent from an ACCEPTED
 * manifest; after reconciling one the caller passes its `manifestVersion` and `etag` back.
 */
export function createWfmClient(options: WfmClientOptions): WfmClient {
  const base = /^(https?:\/\/[^/?#]+)(\/[^?#]*)?$/.exec(options.baseUrl);
  if (!base) throw new WasmhostError('bad-input', `fleet manager URL ${JSON.stringify(options.baseUrl)} is not an http(s) URL without query or fragment`);
  const origin = base[1];
  if (/^http:/i.test(origin) && !options.allowHttp && !/^http:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i.test(origin)) {
    throw new WasmhostError('bad-input', `fleet manager URL ${origin} is plain http: anyone on the network path could forge its manifests; use https (or, knowingly, the insecure-http opt-out)`);
  }
  const api = `${origin}${(base[2] ?? '').replace(/\/+$/, '')}/api/v1`;
  const now = options.now ?? (() => Date.now());
  /** YAML text by digest: content-addressed, so valid whatever manifest lists it. */
  let cache = new Map<string, string>();

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

  function httpError(method: string, url: string, res: HttpResponse, what = ''): WasmhostError {
    const problem = readProblem(res, now());
    return fail('io', 'http-status', url, `${what}${method} ${url} answered ${describeProblem(problem)}`, undefined, problem);
  }

  async function send(method: 'POST' | 'PUT', url: string, body: unknown): Promise<void> {
    const res = await call(method, url, {
      headers: { 'content-type': 'application/json', accept: 'application/json, application/problem+json' },
      body: new TextEncoder().encode(JSON.stringify(body)),
      maxBytes: REPORT_MAX_BYTES,
      timeoutMs: REPORT_TIMEOUT_MS,
    });
    if (!ok(res)) throw httpError(method, url, res);
  }

  async function fetchDeployment(entry: ManifestEntry): Promise<FetchedDeployment> {
    const url = origin + entry.url;
    const name = `deployment ${JSON.stringify(entry.deploymentId)}`;
    const res = await call('GET', url, {
      headers: { accept: 'application/yaml' }, maxBytes: DEPLOYMENT_MAX_BYTES, timeoutMs: DEPLOYMENT_TIMEOUT_MS, signal: poll.signal,
    });
    if (!ok(res)) throw httpError('GET', url, res, `${name}: the whole manifest is refused (a missing YAML is not a removal): `);
    const digest = await sha256Digest(res.body);
    if (digest !== entry.digest) {
      throw fail('bad-input', 'digest-mismatch', url, `${name}: ${url} sent bytes with digest ${digest}, the manifest says ${entry.digest}; the whole manifest is refused`);
    }
    return { deploymentId: entry.deploymentId, digest, yaml: utf8(res.body, url, `${name}: ${url} sent YAML that is not valid UTF-8`) };
  }

  /** The bundle's YAMLs by digest; undefined when the fleet manager has no such bundle (404: fetch one by one). */
  async function fetchBundle(bundle: BundleRef, wanted: ManifestEntry[]): Promise<Map<string, string> | undefined> {
    const url = origin + bundle.url;
    const res = await call('GET', url, { headers: { accept: BUNDLE_MEDIA_TYPE }, maxBytes: BUNDLE_MAX_BYTES, timeoutMs: BUNDLE_TIMEOUT_MS, signal: poll.signal });
    if (res.status === 404) return undefined;
    if (!ok(res)) throw httpError('GET', url, res, 'bundle: the whole manifest is refused: ');
    const digest = await sha256Digest(res.body);
    if (digest !== bundle.digest) {
      throw fail('bad-input', 'digest-mismatch', url, `bundle: ${url} sent bytes with digest ${digest}, the manifest says ${bundle.digest}; the whole manifest is refused`);
    }
    const files = bundleFiles(await gunzip(res.body));
    const byDigest = new Map<string, string>();
    for (const file of files) {
      const d = await sha256Digest(file.bytes);
      if (!wanted.some((e) => e.digest === d) && !cache.has(d)) {
        throw fail('bad-input', 'digest-mismatch', url, `bundle: file ${JSON.stringify(file.name)} (digest ${d}) is not a deployment of the manifest; the whole manifest is refused`);
      }
      byDigest.set(d, utf8(file.bytes, url, `bundle: file ${JSON.stringify(file.name)} is not valid UTF-8`));
    }
    const missing = wanted.find((e) => !byDigest.has(e.digest));
    if (missing) throw fail('bad-input', 'digest-mismatch', url, `bundle: no file has the digest ${missing.digest} of deployment ${JSON.stringify(missing.deploymentId)}; the whole manifest is refused`);
    return byDigest;
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
    if (res.status === 406) throw httpError('GET', url, res, `the fleet manager does not serve ${MANIFEST_MEDIA_TYPE} (unsigned manifests): `);
    if (!ok(res)) throw httpError('GET', url, res);
    const type = (res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== '' && type !== MANIFEST_MEDIA_TYPE && type !== 'application/json') {
      throw fail('bad-input', 'unsupported', url, `GET ${url} sent ${res.headers['content-type']}; only ${MANIFEST_MEDIA_TYPE} is supported`);
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
    const changed = manifest.entries.filter((e) => !cache.has(e.digest));
    const fetched: FetchCounts = { bundle: 0, single: 0, cached: manifest.entries.length - changed.length };
    const found = new Map<string, string>();
    if (manifest.bundle && changed.length >= BUNDLE_MIN_CHANGED && changed.length * 2 >= manifest.entries.length) {
      const fromBundle = await fetchBundle(manifest.bundle, changed);
      if (fromBundle) fetched.bundle = changed.length;
      fromBundle?.forEach((yaml, digest) => found.set(digest, yaml));
    }
    const singles = changed.filter((e) => !found.has(e.digest));
    for (const d of await fetchAll(singles)) found.set(d.digest, d.yaml);
    fetched.single = singles.length;
    const next = new Map<string, string>();
    const deployments = manifest.entries.map((e) => {
      const yaml = found.get(e.digest) ?? cache.get(e.digest)!;
      next.set(e.digest, yaml);
      return { deploymentId: e.deploymentId, digest: e.digest, yaml };
    });
    cache = next;
    return { changed: true, manifestVersion: manifest.version, etag, deployments, fetched };
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

    async reportStatus(status, adoptedManifestVersion) {
      if (typeof status?.deploymentId !== 'string' || ['', '.', '..'].includes(status.deploymentId)) {
        throw new WasmhostError('bad-input', `deployment status without a usable deploymentId (${JSON.stringify(status?.deploymentId)}); nothing was sent`);
      }
      if (typeof adoptedManifestVersion !== 'bigint' || adoptedManifestVersion < 1n) {
        throw new WasmhostError('bad-input', `status of ${status.deploymentId}: no adopted manifest version (${String(adoptedManifestVersion)}); nothing was sent`);
      }
      const url = `${api}/deployments/${encodeURIComponent(status.deploymentId)}/status`;
      await send('POST', url, { ...status, adoptedManifestVersion: Number(adoptedManifestVersion) });
    },

    abort: () => poll.cancel(),

    async putCapabilities(deviceId, capabilities) {
      if (!isObject(capabilities)) throw new WasmhostError('bad-input', `capabilities of device ${deviceId} must be a JSON object; nothing was sent`);
      await send('PUT', capabilitiesUrl(deviceId), capabilities);
    },

    async deleteCapabilities(deviceId) {
      const url = capabilitiesUrl(deviceId);
      const res = await call('DELETE', url, { headers: { accept: 'application/problem+json' }, maxBytes: REPORT_MAX_BYTES, timeoutMs: REPORT_TIMEOUT_MS });
      if (!ok(res) && res.status !== 404) throw httpError('DELETE', url, res);
    },
  };

  function capabilitiesUrl(deviceId: string): string {
    if (typeof deviceId !== 'string' || !DEVICE_ID.test(deviceId) || deviceId.split('/').some((s) => s === '.' || s === '..')) {
      throw new WasmhostError('bad-input', `device id ${JSON.stringify(deviceId)} is not a Margo device id ("id[/child…]", letters, digits, . _ ~ -); nothing was sent`);
    }
    return `${api}/capabilities/${deviceId}`;
  }
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

function fail(code: WasmhostErrorCode, reason: WfmErrorReason, url: string, message: string, cause?: unknown, problem?: WfmProblem): WasmhostError {
  return new WasmhostError(code, message, { cause, data: problem ? { reason, url, problem } : { reason, url } });
}

/** The problem details a failed call carried, if the fleet manager answered at all. */
export function problemOf(error: unknown): WfmProblem | undefined {
  return (error as { data?: { problem?: WfmProblem } })?.data?.problem;
}
