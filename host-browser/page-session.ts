// The page's own broker credential from `wasmhost serve` (POST /session, see
// host-node/page-sessions.ts), kept in localStorage so a reload (or a serve restart with the same
// --state) reuses it. A page opened from another machine passes the access token serve printed
// in the URL fragment (`#token=…`), which never reaches a server log.

/** A credential as POST /session gives it. */
export interface PageCredential { username: string; password: string; clientId: string; peers: string[] }

const KEY = 'wasmhost.page-credential';

/** The stored credential, or undefined. */
export function storedCredential(): PageCredential | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? 'null') as PageCredential | null;
    return value && typeof value.username === 'string' && typeof value.password === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Forgets the stored credential (the broker refused it: revoked, or another serve). */
export function forgetCredential(): void {
  localStorage.removeItem(KEY);
}

/** Asks the server for a new credential and stores it; throws with the server's reason when refused. */
export async function requestCredential(sessionPath: string, pageUrl: URL): Promise<PageCredential> {
  const token = new URLSearchParams(pageUrl.hash.slice(1)).get('token');
  const response = await fetch(new URL(sessionPath, pageUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: '{}',
  });
  const body = (await response.json().catch(() => ({}))) as Partial<PageCredential> & { error?: string };
  if (!response.ok || typeof body.username !== 'string' || typeof body.password !== 'string') {
    throw new Error(`the server gave this page no broker credential (${response.status}): ${body.error ?? 'no reason given'}`);
  }
  const credential: PageCredential = { username: body.username, password: body.password, clientId: body.clientId ?? body.username, peers: body.peers ?? [] };
  localStorage.setItem(KEY, JSON.stringify(credential));
  return credential;
}
