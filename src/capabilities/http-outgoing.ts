// Outgoing HTTP (`wasi:http/outgoing-handler`), denied by default: the `http` grant lists the
// origins a workload may reach. The check runs on the host thread, on every request, before
// anything is sent: the worker (hostile) only asks. The sending itself is the platform's
// (`HttpSender`), with the grant's deadline and response-size cap.
import { WasmhostError } from '../errors.js';
import type { Grants } from './grants.js';
import type { CapabilityProvider } from './provider.js';
import { SHIM_WASI_VERSION } from './wasi-shim.js';

/** A request a workload sends, as it crosses from the worker: header values as latin1 strings. */
export interface OutgoingRequestData {
  method: string;
  scheme: string;
  authority: string;
  pathWithQuery: string;
  headers: [string, string][];
  body: Uint8Array;
}

/** The answer: a response, or a `wasi:http/types.error-code` case (tag, and its payload if any). */
export type OutgoingResult =
  | { ok: { status: number; headers: [string, string][]; body: Uint8Array } }
  | { error: string; detail?: string };

/** Sends one request within a deadline, reading at most `maxResponseBytes` of the body. */
export type HttpSender = (url: string, request: OutgoingRequestData, limits: { timeoutMs: number; maxResponseBytes: number }) => Promise<OutgoingResult>;

/** Deadline and response cap unless the grant sets them; the cap stays below the worker channel's 1 MiB. */
export const OUTGOING_DEFAULTS = { timeoutMs: 10_000, maxResponseBytes: 512 * 1024 } as const;
export const MAX_RESPONSE_BYTES = 768 * 1024;

const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/;

/** `scheme://host[:port]`, lower-case, without the scheme's default port; undefined if it is no http(s) origin. */
function normalOrigin(scheme: string, authority: string): string | undefined {
  const s = scheme.toLowerCase();
  if (s !== 'http' && s !== 'https') return undefined;
  const m = HOST.exec(authority.toLowerCase());
  if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) return undefined;
  const port = m[2] === undefined || (s === 'http' && m[2] === '80') || (s === 'https' && m[2] === '443') ? '' : `:${Number(m[2])}`;
  return `${s}://${m[1]}${port}`;
}

/** The origin (`https://api.example.com`, `http://127.0.0.1:8080`) of an allow-list entry, or why it is none. */
export function originOf(entry: string): { origin: string } | { problem: string } {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(entry);
  if (!m) return { problem: 'not a URL (scheme://host[:port])' };
  if (!['http', 'https'].includes(m[1]!.toLowerCase())) return { problem: 'only http and https origins can be allowed' };
  if (m[3] !== '' && m[3] !== '/') return { problem: 'an origin has no path, query or credentials (scheme://host[:port])' };
  const origin = normalOrigin(m[1]!, m[2]!);
  return origin ? { origin } : { problem: 'an origin has no path, query or credentials (scheme://host[:port])' };
}

/** The URL a request goes to, if its origin is on the allow list; else undefined. */
export function allowedUrl(request: OutgoingRequestData, allow: readonly string[]): string | undefined {
  // host[:port] only: userinfo (`evil@host`) or a path in the authority is no origin at all.
  const origin = normalOrigin(request.scheme, request.authority);
  if (!origin || !allow.includes(origin)) return undefined;
  const path = request.pathWithQuery.startsWith('/') ? request.pathWithQuery : `/${request.pathWithQuery}`;
  if (/[\s#]/.test(path)) return undefined;
  return `${origin}${path}`;
}

/**
 * The provider of `wasi:http/outgoing-handler` over `send`. It needs no grant to be imported
 * (every wasi:http/proxy component imports it): without an `http` grant every request is
 * refused with `HTTP-request-denied`, as is one to an origin the grant does not list.
 */
export function createHttpOutgoingProvider(send: HttpSender): CapabilityProvider {
  return {
    name: 'http-outgoing',
    offers: [{ name: 'wasi:http/outgoing-handler', version: SHIM_WASI_VERSION }],
    create({ grants }) {
      const grant = grants.http as NonNullable<Grants['http']> | undefined;
      return {
        'wasi:http/outgoing-handler': {
          /** In the host's thread a request cannot block for the network: outgoing HTTP runs in worker isolation only. */
          handle(): never {
            throw { tag: 'internal-error', val: 'outgoing HTTP needs worker isolation (the request blocks its worker while the host sends it)' };
          },
          /** Called (through the worker channel) for each outgoing request. */
          async send(request: OutgoingRequestData): Promise<OutgoingResult> {
            const url = grant ? allowedUrl(request, grant.allow) : undefined;
            if (!url) return { error: 'HTTP-request-denied', detail: `${request.scheme.toLowerCase()}://${request.authority} is not in grants.http.allow` };
            const limits = { timeoutMs: grant!.timeoutMs ?? OUTGOING_DEFAULTS.timeoutMs, maxResponseBytes: grant!.maxResponseBytes ?? OUTGOING_DEFAULTS.maxResponseBytes };
            try {
              return await send(url, request, limits);
            } catch (error) {
              return { error: 'internal-error', detail: error instanceof WasmhostError || error instanceof Error ? error.message : String(error) };
            }
          },
        },
      };
    },
  };
}

/** What `check` says about a component's HTTP: whether it is served, and where it may send requests. */
export interface HttpReach {
  /** It exports wasi:http/incoming-handler. */
  serves: boolean;
  /** Origins its outgoing requests may reach (empty: all refused); undefined when it sends none. */
  outgoing?: string[];
}

/** The HTTP facts of a component under `grants`, or undefined if it uses no wasi:http. */
export function httpReach(world: { imports: { kind: string; interface?: { name: string } }[]; exports: { kind: string; interface?: { name: string } }[] }, grants: Grants): HttpReach | undefined {
  const has = (items: typeof world.imports, prefix: string) => items.some((i) => i.kind === 'interface' && i.interface!.name.startsWith(prefix));
  const serves = has(world.exports, 'wasi:http/incoming-handler');
  const sends = has(world.imports, 'wasi:http/outgoing-handler');
  if (!serves && !sends) return undefined;
  return sends ? { serves, outgoing: grants.http?.allow ?? [] } : { serves };
}

/** `check`'s lines for it. */
export function formatHttpReach(reach: HttpReach): string[] {
  const lines: string[] = [];
  if (reach.serves) lines.push('  serves HTTP: with `wasmhost serve-http`, or as a deployment with an http trigger on an agent started with --http-port');
  if (reach.outgoing) {
    lines.push(reach.outgoing.length
      ? `  outgoing HTTP: only to ${reach.outgoing.join(', ')} (grants.http.allow); any other request gets HTTP-request-denied`
      : '  outgoing HTTP: every request gets HTTP-request-denied (no http grant; allow origins with grants.http.allow or --grant http=<origin>,…)');
  }
  return lines;
}
