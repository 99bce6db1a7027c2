// SPIFFE IDs and X509-SVIDs: strict parsing, the one-URI-SAN rule, and the peer policy
// (trust domain, exact ID), on certificates made here with openssl.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSvid, parseSpiffeId, spiffePolicy, svidId } from '../../host-node/svid.js';
import { createPki } from '../support/spiffe-pki.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmhost-svid-'));
const pki = createPki(dir);
const ca = pki.ca('ca');
const cert = (name: string, san: string) => new X509Certificate(readFileSync(pki.leaf(name, ca, san, '77').cert));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseSpiffeId', () => {
  it('splits a valid ID into trust domain and path', () => {
    expect(parseSpiffeId('spiffe://example.org/device/dev-1')).toEqual({ trustDomain: 'example.org', path: '/device/dev-1', text: 'spiffe://example.org/device/dev-1' });
    expect(parseSpiffeId('spiffe://example.org')).toMatchObject({ trustDomain: 'example.org', path: '' });
  });

  it.each([
    ['https://example.org/x', 'does not start with spiffe://'],
    ['spiffe:///x', 'the trust domain is empty'],
    ['spiffe://Example.org/x', 'lowercase letters'],
    ['spiffe://example.org:8443/x', 'no port'],
    ['spiffe://user@example.org/x', 'no port or user info'],
    ['spiffe://example.org/a//b', 'path segment ""'],
    ['spiffe://example.org/a/../b', 'path segment ".."'],
    ['spiffe://example.org/x/', 'path segment ""'],
    ['spiffe://example.org/x?q=1', 'path segment "x?q=1"'],
    ['spiffe://example.org/x#f', 'path segment "x#f"'],
  ])('refuses %s', (text, why) => {
    expect(() => parseSpiffeId(text)).toThrow(why);
  });
});

describe('spiffePolicy', () => {
  it('takes the trust domain from --wfm-spiffe-id alone, and refuses IDs of two trust domains', () => {
    expect(spiffePolicy({})).toBeUndefined();
    expect(spiffePolicy({ id: 'spiffe://example.org/fm' })).toMatchObject({ trustDomain: 'example.org', id: { text: 'spiffe://example.org/fm' } });
    expect(spiffePolicy({ trustDomain: 'example.org' })).toEqual({ trustDomain: 'example.org', id: undefined });
    expect(() => spiffePolicy({ trustDomain: 'example.org', id: 'spiffe://other.org/fm' })).toThrow('--wfm-spiffe-id spiffe://other.org/fm is not in --trust-domain example.org');
    expect(() => spiffePolicy({ id: 'spiffe://example.org' })).toThrow('names a trust domain only');
    expect(() => spiffePolicy({ trustDomain: 'Example.org' })).toThrow('--trust-domain');
  });
});

describe('svidId and checkSvid', () => {
  it('reads the one URI SAN of an SVID, and checks it against the policy', () => {
    const svid = cert('fm', 'URI:spiffe://example.org/fleet-manager, DNS:fm.example.org');
    expect(svidId(svid).text).toBe('spiffe://example.org/fleet-manager');
    expect(checkSvid({ trustDomain: 'example.org' }, svid, 'peer')).toBeUndefined();
    expect(checkSvid({ trustDomain: 'example.org', id: parseSpiffeId('spiffe://example.org/fleet-manager') }, svid, 'peer')).toBeUndefined();
    expect(checkSvid({ trustDomain: 'example.org', id: parseSpiffeId('spiffe://example.org/other') }, svid, 'peer')?.message)
      .toBe('the peer presents spiffe://example.org/fleet-manager, not the expected spiffe://example.org/other');
    expect(checkSvid({ trustDomain: 'other.org' }, svid, 'peer')?.message).toBe('the peer presents spiffe://example.org/fleet-manager, which is not in the trust domain other.org');
  });

  it('refuses certificates that are not leaf SVIDs', () => {
    expect(() => svidId(cert('plain', 'DNS:fm.example.org'))).toThrow('it has no URI SAN holding a SPIFFE ID');
    expect(() => svidId(cert('two', 'URI:spiffe://example.org/a, URI:spiffe://example.org/b'))).toThrow('it has 2 URI SANs');
    expect(() => svidId(cert('root', 'URI:spiffe://example.org'))).toThrow('names a trust domain only');
    expect(() => svidId(cert('web', 'URI:https://example.org/a'))).toThrow('does not start with spiffe://');
    expect(() => svidId(new X509Certificate(readFileSync(pki.ca('svid-ca', 'URI:spiffe://example.org/ca').cert)))).toThrow('is a CA certificate, not a leaf SVID');
    expect(checkSvid({ trustDomain: 'example.org' }, cert('plain2', 'IP:127.0.0.1'), "server's certificate")?.message).toMatch(/^the server's certificate \(subject CN=plain2\) is not an X509-SVID/);
  });
});
