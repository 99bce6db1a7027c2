// The outgoing-HTTP allow list: checked on the host for every request before anything is sent;
// a refusal is HTTP-request-denied; the grant's deadline and cap reach the sender.
import { describe, expect, it } from 'vitest';
import { allowedUrl, createHttpOutgoingProvider, originOf, type OutgoingRequestData } from '../../../src/capabilities/http-outgoing.js';
import type { Grants } from '../../../src/capabilities/grants.js';

const request = (scheme: string, authority: string, pathWithQuery = '/v1?q=1'): OutgoingRequestData => ({ method: 'GET', scheme, authority, pathWithQuery, headers: [], body: new Uint8Array(0) });

function sendFor(grants: Grants) {
  const sent: { url: string; limits: unknown }[] = [];
  const provider = createHttpOutgoingProvider(async (url, _r, limits) => {
    sent.push({ url, limits });
    return { ok: { status: 200, headers: [], body: new Uint8Array(0) } };
  });
  const imports = provider.create({ workload: 'w', config: {}, grants, log: () => {} }) as Record<string, { send(r: OutgoingRequestData): Promise<unknown> }>;
  return { send: (r: OutgoingRequestData) => imports['wasi:http/outgoing-handler']!.send(r), sent };
}

describe('outgoing HTTP allow list', () => {
  it('normalises origins and refuses what is not one', () => {
    expect(originOf('HTTPS://API.example.com:443')).toEqual({ origin: 'https://api.example.com' });
    expect(originOf('http://127.0.0.1:8080/')).toEqual({ origin: 'http://127.0.0.1:8080' });
    expect(originOf('https://api.example.com/v1')).toMatchObject({ problem: expect.stringMatching(/no path/) });
    expect(originOf('ftp://x')).toMatchObject({ problem: expect.stringMatching(/only http and https/) });
  });

  it('matches scheme, host and port exactly', () => {
    const allow = ['https://api.example.com', 'http://127.0.0.1:8080'];
    expect(allowedUrl(request('HTTPS', 'api.example.com'), allow)).toBe('https://api.example.com/v1?q=1');
    expect(allowedUrl(request('https', 'api.example.com:443'), allow)).toBe('https://api.example.com/v1?q=1');
    expect(allowedUrl(request('http', 'api.example.com'), allow)).toBeUndefined();
    expect(allowedUrl(request('http', '127.0.0.1:8081'), allow)).toBeUndefined();
    expect(allowedUrl(request('https', 'api.example.com.evil.test'), allow)).toBeUndefined();
    expect(allowedUrl(request('https', 'evil.test@api.example.com'), allow)).toBeUndefined();
  });

  it('refuses with HTTP-request-denied, sending nothing, without a grant or off the list; sends the allowed with the grant limits', async () => {
    const none = sendFor({});
    expect(await none.send(request('https', 'api.example.com'))).toMatchObject({ error: 'HTTP-request-denied' });
    const some = sendFor({ http: { allow: ['https://api.example.com'], timeoutMs: 250 } });
    expect(await some.send(request('https', 'other.example.com'))).toMatchObject({ error: 'HTTP-request-denied' });
    expect(none.sent).toEqual([]);
    expect(some.sent).toEqual([]);
    expect(await some.send(request('https', 'api.example.com'))).toMatchObject({ ok: { status: 200 } });
    expect(some.sent).toEqual([{ url: 'https://api.example.com/v1?q=1', limits: { timeoutMs: 250, maxResponseBytes: 512 * 1024 } }]);
  });
});
