// Known secrets as a broker credential check, for tests that connect peers with fixed passwords.
import type { CredentialCheck } from '../../host-node/broker.js';
import { hashSecret, verifySecret, type StoredCredential } from '../../host-node/credentials.js';

/** Peers (and pages, with the peers they may reach) with these secrets. */
export function knownCredentials(peers: Record<string, string>, pages: Record<string, { secret: string; peers: string[] }> = {}): CredentialCheck {
  const entries = new Map<string, StoredCredential>([
    ...Object.entries(peers).map(([id, secret]): [string, StoredCredential] => [id, { id, kind: 'peer', hash: hashSecret(secret), created: '' }]),
    ...Object.entries(pages).map(([id, p]): [string, StoredCredential] => [id, { id, kind: 'page', hash: hashSecret(p.secret), created: '', peers: p.peers }]),
  ]);
  return {
    get: (id) => entries.get(id),
    verify(id, secret) {
      const entry = entries.get(id);
      return entry && secret !== undefined && verifySecret(secret, entry.hash) ? entry : undefined;
    },
  };
}
