// POST /session on `wasmhost serve`: each page gets its own broker credential (`page-<hex>`),
// stored hashed with the peers it may reach, revocable with `wasmhost peer remove`. A request
// from loopback needs nothing more; any other needs the access token serve printed.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { CredentialStore } from './credentials.js';

/** What a page is given: its broker username (= client id) and secret, and the peers it may reach. */
export interface PageSession { username: string; password: string; clientId: string; peers: string[] }

/** Options of the session issuer. */
export interface PageSessionOptions {
  credentials: CredentialStore;
  /** The peers every page issued here may call and hear. */
  peers: readonly string[];
  /** Required (as `Authorization: Bearer <token>`) from any address but loopback. */
  accessToken: string;
  /** Page credentials kept at most; past it, new sessions are refused until some are revoked (default 256). */
  maxPages?: number;
}

/** The outcome of one POST /session: a session, or a status and the reason. */
export type SessionResult = { ok: true; session: PageSession } | { ok: false; status: number; error: string };

/** True for a loopback peer address (IPv4, IPv6 and IPv4-mapped). */
export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && (/^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address));
}

/** Issues page sessions under `options`. */
export function createPageSessions(options: PageSessionOptions): (req: IncomingMessage) => SessionResult {
  const tokenDigest = digest(options.accessToken);
  const maxPages = options.maxPages ?? 256;
  return (req) => {
    if (!isLoopbackAddress(req.socket.remoteAddress)) {
      const given = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!given || !timingSafeEqual(digest(given), tokenDigest)) {
        return { ok: false, status: 401, error: 'a page on another machine needs the access token serve printed: open the URL with #token=… that serve printed' };
      }
    }
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return { ok: false, status: 415, error: 'POST /session takes Content-Type: application/json' };
    if (options.credentials.list().filter((c) => c.kind === 'page').length >= maxPages) {
      return { ok: false, status: 503, error: `${maxPages} page credentials exist; revoke unused ones (wasmhost peer list, wasmhost peer remove page-…)` };
    }
    const id = `page-${randomBytes(8).toString('hex')}`;
    const password = options.credentials.add(id, 'page', [...options.peers]);
    return { ok: true, session: { username: id, password, clientId: id, peers: [...options.peers] } };
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
