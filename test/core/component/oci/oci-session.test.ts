import { describe, expect, it } from 'vitest';
import { createOciSession } from '../../../../src/component/oci/oci-session.js';
import type { HttpClient, HttpRequestInit } from '../../../../src/ports/http-client.js';

/** An HttpClient that answers from a script and records what was asked (no network). */
function scripted(answer: (url: string, init: HttpRequestInit) => { status: number; headers?: Record<string, string>; body?: string }) {
  const asked: { url: string; authorization?: string }[] = [];
  const http: HttpClient = {
    async request(_method, url, init = {}) {
      asked.push({ url, authorization: init.headers?.authorization });
      const a = answer(url, init);
      return { status: a.status, headers: a.headers ?? {}, body: new TextEncoder().encode(a.body ?? '') };
    },
  };
  return { http, asked };
}
const ref = { registry: 'registry.example', repository: 'team/app', tag: 'v1' };
const credentials = () => ({ username: 'u', password: 'p' });

describe('registry session', () => {
  it.each([
    ['plain http off loopback', 'http://127.0.0.1.attacker.example/token'],
    ['a non-http realm', 'ftp://auth.example/token'],
  ])('never sends credentials to a token realm over %s', async (_name, realm) => {
    const { http, asked } = scripted(() => ({ status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}",service=s` } }));
    const session = createOciSession(ref, 'pull', { http, credentials, timeoutMs: 1000 });
    await expect(session.request('GET', 'manifests/v1', { maxBytes: 100 })).rejects.toMatchObject({ code: 'denied' });
    expect(asked.map((a) => a.url)).toEqual(['https://registry.example/v2/team/app/manifests/v1']);
  });

  it('fetches a token over https with the credentials and keeps it for later requests', async () => {
    const { http, asked } = scripted((url, init) => {
      if (url.startsWith('https://auth.example/')) return { status: 200, body: '{"access_token":"t1"}' };
      return init.headers?.authorization === 'Bearer t1' ? { status: 200 } : { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token",service="reg"' } };
    });
    const session = createOciSession(ref, 'pull', { http, credentials, timeoutMs: 1000 });
    expect((await session.request('GET', 'manifests/v1', { maxBytes: 100 })).status).toBe(200);
    expect((await session.request('GET', 'blobs/x', { maxBytes: 100 })).status).toBe(200);
    expect(asked).toEqual([
      { url: 'https://registry.example/v2/team/app/manifests/v1', authorization: undefined },
      { url: 'https://auth.example/token?service=reg&scope=repository%3Ateam%2Fapp%3Apull', authorization: 'Basic dTpw' },
      { url: 'https://registry.example/v2/team/app/manifests/v1', authorization: 'Bearer t1' },
      { url: 'https://registry.example/v2/team/app/blobs/x', authorization: 'Bearer t1' },
    ]);
  });

  it('refuses a redirect from https to plain http', async () => {
    const { http } = scripted(() => ({ status: 307, headers: { location: 'http://storage.example/blob' } }));
    const session = createOciSession(ref, 'pull', { http, timeoutMs: 1000 });
    await expect(session.request('GET', 'blobs/x', { maxBytes: 100 })).rejects.toThrow('redirect to http://storage.example/blob refused (plain http)');
  });
});
