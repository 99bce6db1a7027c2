import { describe, expect, it } from 'vitest';
import { parseOciReference, registryBaseUrl } from '../../../../src/component/oci/oci-reference.js';
import { parseChallenges, tokenUrl } from '../../../../src/component/oci/oci-auth.js';
import { resolveLocation } from '../../../../src/component/oci/oci-url.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('OCI references', () => {
  it.each([
    ['oci://ghcr.io/team/app:1.2.0', { registry: 'ghcr.io', repository: 'team/app', tag: '1.2.0' }],
    ['oci://localhost:5000/app', { registry: 'localhost:5000', repository: 'app', tag: 'latest' }],
    [`oci://r.example/a/b@${D}`, { registry: 'r.example', repository: 'a/b', digest: D }],
    [`oci://r.example:443/a/b:v1@${D}`, { registry: 'r.example:443', repository: 'a/b', tag: 'v1', digest: D }],
  ])('%s', (text, expected) => expect(parseOciReference(text)).toEqual(expected));

  it.each([
    ['oci://app:1', 'no registry host'],
    ['oci://r.example/App', 'must be lower-case'],
    ['oci://r.example/app@sha256:ABC', 'is not sha256:<64 lower-case hex>'],
    ['oci://r.example/app:-bad', 'is not a valid tag'],
    ['https://r.example/app', 'does not start with oci://'],
  ])('refuses %s', (text, why) => expect(() => parseOciReference(text)).toThrow(why));

  it('uses https unless the registry is on loopback or the operator calls it insecure', () => {
    expect(registryBaseUrl({ registry: 'r.example' })).toBe('https://r.example/v2/');
    expect(registryBaseUrl({ registry: '127.0.0.1:5000' })).toBe('http://127.0.0.1:5000/v2/');
    expect(registryBaseUrl({ registry: '10.0.0.5:5000' }, ['10.0.0.5:5000'])).toBe('http://10.0.0.5:5000/v2/');
    expect(registryBaseUrl({ registry: '10.0.0.5:5000' }, ['10.0.0.5'])).toBe('https://10.0.0.5:5000/v2/');
  });
});

describe('registry auth challenges', () => {
  it('reads Bearer parameters (quoted, with commas inside) and several challenges', () => {
    const header = 'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push", Basic realm=x';
    expect(parseChallenges(header)).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
    expect(tokenUrl(parseChallenges(header)[0], 'unused')).toBe('https://auth.example/token?service=registry.example&scope=repository%3Aa%2Fb%3Apull%2Cpush');
  });

  it('falls back to the pull scope, and ignores a realm that is not an http(s) URL', () => {
    expect(tokenUrl({ scheme: 'bearer', params: { realm: 'https://a/t?x=1' } }, 'repository:r:pull')).toBe('https://a/t?x=1&scope=repository%3Ar%3Apull');
    expect(tokenUrl({ scheme: 'bearer', params: { realm: 'file:///etc/passwd' } }, 's')).toBeUndefined();
  });

  it('resolves upload locations against the registry', () => {
    expect(resolveLocation('/v2/a/blobs/uploads/u1?_state=x', 'http://127.0.0.1:5000/v2/')).toBe('http://127.0.0.1:5000/v2/a/blobs/uploads/u1?_state=x');
    expect(resolveLocation('https://s3.example/b', 'http://r/v2/')).toBe('https://s3.example/b');
  });
});
