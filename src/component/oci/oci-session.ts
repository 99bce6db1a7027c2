// Requests to one registry repository through the HttpClient port: answers a 401 challenge
// once (Basic or Bearer, see oci-auth.ts) and keeps the authorization for later requests,
// follows redirects (without the authorization when the origin changes: blob storage elsewhere),
// and keeps every request within the pull's total deadline.

import { WasmhostError } from '../../errors.js';
import type { CancelSignal, HttpClient, HttpMethod, HttpResponse } from '../../ports/http-client.js';
import { basicAuthorization, parseChallenges, readToken, tokenUrl, type RegistryCredentials } from './oci-auth.js';
import { isLoopbackRegistry, registryBaseUrl, type OciReference } from './oci-reference.js';
import { resolveLocation, urlOrigin } from './oci-url.js';

/** How a session reaches registries. */
export interface OciSessionOptions {
  http: HttpClient;
  /** The operator's credentials for a registry (`host[:port]`), if any. */
  credentials?: (registry: string) => RegistryCredentials | undefined;
  /** Registries (`host[:port]`) that may be reached over plain http although not on loopback. */
  insecure?: readonly string[];
  /** Total deadline of everything done through the session (ms since `now()`). */
  timeoutMs: number;
  signal?: CancelSignal;
  now?: () => number;
}

/** Extra parts of one session request. */
export interface OciRequestInit {
  headers?: Record<string, string>;
  body?: Uint8Array;
  maxBytes: number;
  onChunk?: (chunk: Uint8Array) => void;
}

const TOKEN_MAX_BYTES = 64 * 1024;
const MAX_REDIRECTS = 5;

/** A session with one repository; `scope` is `pull` or `pull,push`. */
export function createOciSession(ref: OciReference, actions: 'pull' | 'pull,push', options: OciSessionOptions) {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  const base = registryBaseUrl(ref, options.insecure);
  const repoUrl = `${base}${ref.repository}/`;
  const credentials = options.credentials?.(ref.registry);
  const scope = `repository:${ref.repository}:${actions}`;
  let authorization: string | undefined;

  const remaining = () => {
    const left = deadline - now();
    if (left <= 0) throw new WasmhostError('io', `${ref.registry}: no complete answer within ${options.timeoutMs} ms`, { data: { reason: 'timeout' } });
    return left;
  };
  const send = (method: HttpMethod, url: string, init: OciRequestInit, auth: string | undefined) => options.http.request(method, url, {
    headers: { ...init.headers, ...(auth ? { authorization: auth } : {}) },
    body: init.body, maxBytes: init.maxBytes, timeoutMs: remaining(), signal: options.signal, onChunk: init.onChunk,
  });

  /** Answers a 401's challenge; false when it cannot be answered. */
  async function authenticate(res: HttpResponse): Promise<boolean> {
    const challenges = parseChallenges(res.headers['www-authenticate'] ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const url = tokenUrl(bearer, scope);
      if (!url || !realmAllowed(url)) return false;
      const answer = await send('GET', url, { maxBytes: TOKEN_MAX_BYTES }, credentials && basicAuthorization(credentials));
      const token = answer.status === 200 ? readToken(answer.body) : undefined;
      if (!token) throw denied(`its token service ${url.split('?')[0]} answered HTTP ${answer.status}${credentials ? ' to the configured credentials' : ' without credentials'}`);
      authorization = `Bearer ${token}`;
      return true;
    }
    if (challenges.some((c) => c.scheme === 'basic') && credentials) {
      authorization = basicAuthorization(credentials);
      return true;
    }
    return false;
  }
  /** Credentials go to a token realm over https, or plain http on loopback or the registry's own (insecure) origin. */
  const realmAllowed = (url: string) => {
    const origin = urlOrigin(url);
    if (origin === undefined) return false;
    return origin.startsWith('https://') || isLoopbackRegistry(origin.slice('http://'.length)) || origin === urlOrigin(base);
  };
  const denied = (why: string) => new WasmhostError('denied',
    `${ref.registry} refused access to ${ref.repository}: ${why}${credentials ? '' : '; give the agent credentials for this registry (--registry-auth <file>, see README)'}`,
    { data: { registry: ref.registry, repository: ref.repository } });

  /** One request to `path` (relative to the repository, or an absolute URL), authorized and redirected. */
  async function request(method: HttpMethod, path: string, init: OciRequestInit): Promise<HttpResponse> {
    let url = /^https?:\/\//.test(path) ? path : `${repoUrl}${path}`;
    let auth = authorization;
    let retried = false;
    for (let hops = 0; ; ) {
      const res = await send(method, url, init, auth);
      if (res.status === 401 && !retried && auth === authorization) {
        retried = true;
        if (!(await authenticate(res))) throw denied(`HTTP 401 (${res.headers['www-authenticate'] ?? 'no challenge'})`);
        auth = authorization;
        continue;
      }
      if (res.status === 401 || res.status === 403) throw denied(`HTTP ${res.status}`);
      if (res.status >= 300 && res.status < 400 && res.headers.location && method === 'GET') {
        if (++hops > MAX_REDIRECTS) throw new WasmhostError('io', `${url}: more than ${MAX_REDIRECTS} redirects`);
        const next = resolveLocation(res.headers.location, url);
        if (!/^https:/i.test(next) && urlOrigin(next)?.split(':')[0] !== urlOrigin(url)?.split(':')[0]) throw new WasmhostError('io', `${url}: redirect to ${next} refused (plain http)`);
        if (urlOrigin(next) !== urlOrigin(url)) auth = undefined;
        url = next;
        continue;
      }
      return res;
    }
  }

  return { request, repoUrl, base };
}

/** A session as created by createOciSession. */
export type OciSession = ReturnType<typeof createOciSession>;
