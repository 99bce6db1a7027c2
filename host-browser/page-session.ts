// The page's own broker credential from `wasmhost serve` (POST /session, see
// host-node/page-sessions.ts), kept in localStorage per device id (its username is the MQTT
// client id: two devices sharing one would throw each other off the broker), so a reload (or a
// serve restart with the same --state) reuses it. A page opened from another machine passes the access token serve printed
// in the URL fragment (`#token=…`), which never reaches a server log.

/** A credential as POST /session gives it. */
export interface PageCredential { username: string; password: string; clientId: string; peers: string[] }

/** The localStorage key of device `deviceId`'s credential. */
export const credentialKey = (deviceId: string) => `wasmhost.page-credential.${deviceId}`;

/** The stored credential, or undefined. */
export function storedCredential(deviceId: string): PageCredential | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(credentialKey(deviceId)) ?? 'null') as PageCredential | null;
    return value && typeof value.username === 'string' && typeof value.password === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Forgets the stored credential (the broker refused it: revoked, or another serve). */
export function forgetCredential(deviceId: string): void {
  localStorage.removeItem(credentialKey(deviceId));
}

/** Asks the server for a new credential and stores it; throws with the server's reason when refused. */
export async function requestCredential(sessionPath: string, pageUrl: URL, deviceId: string): Promise<PageCredential> {
  const token = new URLSearchParams(pageUrl.hash.slice(1)).get('token');
  const url = new URL(sessionPath, pageUrl);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: '{}',
  }).catch((error: Error) => {
    throw new Error(`cannot reach ${url.href} for a broker credential (${error.message}): is wasmhost serve running?`);
  });
  const body = (await response.json().catch(() => ({}))) as Partial<PageCredential> & { error?: string };
  if (!response.ok || typeof body.username !== 'string' || typeof body.password !== 'string') {
    throw new Error(`the server gave this page no broker credential (${response.status}): ${body.error ?? 'no reason given'}`);
  }
  const credential: PageCredential = { username: body.username, password: body.password, clientId: body.clientId ?? body.username, peers: body.peers ?? [] };
  localStorage.setItem(credentialKey(deviceId), JSON.stringify(credential));
  return credential;
}
