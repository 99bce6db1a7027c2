// Registry authentication: parsing `WWW-Authenticate` challenges and answering them. Basic
// sends the operator's credentials; Bearer fetches a token from the challenge's realm (with
// those credentials when there are any, anonymously otherwise). Credentials come from the
// operator (a file or the environment), never from a manifest.

import { withQuery } from './oci-url.js';

/** A username and password for one registry. */
export interface RegistryCredentials { username: string; password: string }

/** One challenge of a `WWW-Authenticate` header: its scheme (lower case) and parameters. */
export interface AuthChallenge { scheme: string; params: Record<string, string> }

/**
 * Parses `WWW-Authenticate` (RFC 9110 §11.6.1): challenges separated by commas, each a scheme
 * followed by `key=value` or `key="quoted value"` parameters. Unparseable text ends the parse.
 */
export function parseChallenges(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  const token = /^\s*,?\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)/;
  const param = /^\s*,?\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/;
  let rest = header;
  while (rest.trim() !== '') {
    const p = param.exec(rest);
    if (p && out.length > 0) {
      out[out.length - 1].params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
      rest = rest.slice(p[0].length);
      continue;
    }
    const t = token.exec(rest);
    if (!t) break;
    out.push({ scheme: t[1].toLowerCase(), params: {} });
    rest = rest.slice(t[0].length);
  }
  return out;
}

/** `Basic <base64(user:password)>` (UTF-8). */
export function basicAuthorization(credentials: RegistryCredentials): string {
  let binary = '';
  for (const b of new TextEncoder().encode(`${credentials.username}:${credentials.password}`)) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/** The token endpoint URL for a Bearer challenge (`realm?service=…&scope=…`), or undefined without a realm. */
export function tokenUrl(challenge: AuthChallenge, fallbackScope: string): string | undefined {
  const realm = challenge.params.realm;
  if (!realm || !/^https?:\/\/[^/?#]+/i.test(realm)) return undefined;
  let url = realm;
  if (challenge.params.service) url = withQuery(url, 'service', challenge.params.service);
  return withQuery(url, 'scope', challenge.params.scope || fallbackScope);
}

/** The token of a token endpoint's JSON answer (`token` or `access_token`), or undefined. */
export function readToken(body: Uint8Array): string | undefined {
  try {
    const doc = JSON.parse(new TextDecoder().decode(body)) as { token?: unknown; access_token?: unknown };
    const token = typeof doc.token === 'string' && doc.token ? doc.token : doc.access_token;
    return typeof token === 'string' && token && !/[\r\n]/.test(token) ? token : undefined;
  } catch {
    return undefined;
  }
}
