// SPIFFE identities in X.509 certificates (X509-SVIDs), as Margo's identity profile asks:
// the peer is known by the one SPIFFE ID in its certificate's URI SAN, checked against the
// trust domain (and, when the operator names one, the exact ID) after the chain has been
// verified against the trust bundle.
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { WasmhostError } from '../src/errors.js';

/** A parsed SPIFFE ID: `spiffe://<trustDomain><path>`. */
export interface SpiffeId { trustDomain: string; path: string; text: string }

/** What the peer's SVID must name: its trust domain, and optionally the exact ID. */
export interface SpiffePolicy { trustDomain: string; id?: SpiffeId }

const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Parses a SPIFFE ID strictly (SPIFFE-ID spec: lowercase trust domain, no port, query or fragment, no empty or dot segments). */
export function parseSpiffeId(text: string, what = 'SPIFFE ID'): SpiffeId {
  const bad = (why: string) => new WasmhostError('bad-input', `${what} ${JSON.stringify(text.slice(0, 300))} is not a valid SPIFFE ID: ${why} (expected spiffe://<trust-domain>/<path>)`);
  if (!text.startsWith('spiffe://')) throw bad('it does not start with spiffe://');
  if (text.length > 2048) throw bad('it is longer than 2048 bytes');
  const rest = text.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (!trustDomain) throw bad('the trust domain is empty');
  if (trustDomain.length > 255 || !TRUST_DOMAIN.test(trustDomain)) throw bad('the trust domain may hold only lowercase letters, digits, ".", "-" and "_" (no port or user info)');
  if (path) {
    for (const segment of path.slice(1).split('/')) {
      if (!SEGMENT.test(segment) || segment === '.' || segment === '..') throw bad(`the path segment ${JSON.stringify(segment)} is empty, a dot segment, or holds characters other than letters, digits, ".", "-" and "_"`);
    }
  }
  return { trustDomain, path, text };
}

/** The policy from the operator's flags: `--trust-domain` and/or `--wfm-spiffe-id`; undefined when neither is given. */
export function spiffePolicy(options: { trustDomain?: string; id?: string }): SpiffePolicy | undefined {
  const id = options.id === undefined ? undefined : parseSpiffeId(options.id, '--wfm-spiffe-id');
  if (id && !id.path) throw new WasmhostError('bad-input', `--wfm-spiffe-id ${id.text} names a trust domain only; name the fleet manager's workload, e.g. spiffe://${id.trustDomain}/fleet-manager`);
  if (options.trustDomain === undefined) return id && { trustDomain: id.trustDomain, id };
  const domain = parseSpiffeId(`spiffe://${options.trustDomain}`, '--trust-domain').trustDomain;
  if (id && id.trustDomain !== domain) {
    throw new WasmhostError('bad-input', `--wfm-spiffe-id ${id.text} is not in --trust-domain ${domain}; give IDs of one trust domain`);
  }
  return { trustDomain: domain, id };
}

/** The SPIFFE ID of an X509-SVID leaf: exactly one URI SAN, a valid SPIFFE ID with a path, not a CA. */
export function svidId(cert: X509Certificate, what = 'certificate'): SpiffeId {
  const uris = (cert.subjectAltName ?? '').split(', ').filter((entry) => entry.startsWith('URI:')).map(uriValue);
  if (uris.length === 0) throw new WasmhostError('bad-input', `the ${what} (subject ${oneLine(cert.subject)}) is not an X509-SVID: it has no URI SAN holding a SPIFFE ID`);
  if (uris.length > 1) throw new WasmhostError('bad-input', `the ${what} is not an X509-SVID: it has ${uris.length} URI SANs (${uris.join(', ')}), an SVID has exactly one`);
  const id = parseSpiffeId(uris[0], `the ${what}'s URI SAN`);
  if (!id.path) throw new WasmhostError('bad-input', `the ${what}'s SPIFFE ID ${id.text} names a trust domain only, which a leaf SVID may not`);
  if (cert.ca) throw new WasmhostError('bad-input', `the ${what} (${id.text}) is a CA certificate, not a leaf SVID`);
  return id;
}

/** Why a peer's SVID does not satisfy the policy, or undefined when it does. */
export function checkSvid(policy: SpiffePolicy, cert: X509Certificate, what: string): WasmhostError | undefined {
  let id: SpiffeId;
  try {
    id = svidId(cert, what);
  } catch (error) {
    return error as WasmhostError;
  }
  if (id.trustDomain !== policy.trustDomain) {
    return new WasmhostError('denied', `the ${what} presents ${id.text}, which is not in the trust domain ${policy.trustDomain}`, { data: { spiffeId: id.text } });
  }
  if (policy.id && id.text !== policy.id.text) {
    return new WasmhostError('denied', `the ${what} presents ${id.text}, not the expected ${policy.id.text}`, { data: { spiffeId: id.text } });
  }
  return undefined;
}

/**
 * A `checkServerIdentity` for node:tls: the server is known by its SPIFFE ID, not its host
 * name. Node calls it only after the chain verified against the trust bundle (the `ca`).
 */
export function spiffeServerCheck(policy: SpiffePolicy): (host: string, peer: PeerCertificate) => Error | undefined {
  return (_host, peer) => {
    if (!peer?.raw) return new WasmhostError('denied', 'the server presented no certificate');
    return checkSvid(policy, new X509Certificate(peer.raw), "server's certificate");
  };
}

/** One URI SAN value; Node quotes values holding special characters as JSON strings. */
function uriValue(entry: string): string {
  const value = entry.slice('URI:'.length);
  if (!value.startsWith('"')) return value;
  try {
    return String(JSON.parse(value));
  } catch {
    return value;
  }
}

const oneLine = (subject: string) => subject.split('\n').join(', ');
