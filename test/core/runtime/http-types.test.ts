// wasi:http/types as the handler sees it (built in the instance's thread around a plain
// request): body streams in chunks, status and headers back, header checks, no response
// set, and outgoing requests refused as error-codes.
import { describe, expect, it } from 'vitest';
import { createHttpTypes, type HttpRequestData } from '../../../src/runtime/http-types.js';

const streams = { InputStream: class {}, OutputStream: class {} };
const enc = new TextEncoder();
const request: HttpRequestData = { method: 'PUT', pathWithQuery: '/x?y=1', scheme: 'http', authority: 'a:1', headers: [['x-in', 'v']], body: enc.encode('abcdefghij') };

type T = ReturnType<typeof createHttpTypes>['types'];
type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('createHttpTypes', () => {
  it('serves a request: the guest reads the body in chunks and answers status, headers and a body written in parts', () => {
    const { types, serve } = createHttpTypes({ streams });
    const answer = serve(request, (req: Any, out: Any) => {
      const t = types as T;
      expect(req.method()).toEqual({ tag: 'put' });
      expect(req.pathWithQuery()).toBe('/x?y=1');
      expect(req.headers().get('X-In')).toEqual([enc.encode('v')]);
      const input = req.consume().stream();
      const parts = [input.blockingRead(4n), input.blockingRead(100n)];
      expect(() => input.blockingRead(1n)).toThrow(expect.objectContaining({ tag: 'closed' }) as unknown as Error);
      const response = new t.OutgoingResponse(t.Fields.fromList([['x-out', enc.encode('1')]]));
      response.setStatusCode(201);
      const body = response.body();
      t.ResponseOutparam.set(out, { tag: 'ok', val: response });
      const output = body.write();
      for (const p of parts) output.blockingWriteAndFlush(p);
      t.OutgoingBody.finish(body);
    });
    expect(answer.status).toBe(201);
    expect(answer.headers).toEqual([['x-out', '1']]);
    expect(new TextDecoder().decode(answer.body)).toBe('abcdefghij');
  });

  it('refuses header names and values HTTP cannot carry, and the ones the host sets, as header-error', () => {
    const { types } = createHttpTypes({ streams });
    const f = new (types as T).Fields();
    expect(() => f.append('bad name', enc.encode('x'))).toThrow(expect.objectContaining({ tag: 'invalid-syntax' }) as unknown as Error);
    expect(() => f.append('x-a', enc.encode('a\r\nset-cookie: 1'))).toThrow(expect.objectContaining({ tag: 'invalid-syntax' }) as unknown as Error);
    expect(() => f.append('Transfer-Encoding', enc.encode('chunked'))).toThrow(expect.objectContaining({ tag: 'forbidden' }) as unknown as Error);
    expect(() => (types as T).Fields.fromList([['content-length', enc.encode('1')]])).toThrow(expect.objectContaining({ tag: 'forbidden' }) as unknown as Error);
  });

  it('fails the request (not the instance) when the handler returns without a response', () => {
    const { serve } = createHttpTypes({ streams });
    expect(() => serve(request, () => undefined)).toThrow(/returned without setting a response/);
  });

  it('answers outgoing requests through send: a refusal is thrown as the error-code, other failures come through the future', () => {
    const sent: unknown[] = [];
    const { types, outgoingHandler } = createHttpTypes({
      streams,
      send: (r) => { sent.push(r); return r.authority === 'ok.test' ? { ok: { status: 204, headers: [['a', 'b']], body: enc.encode('z') } } : r.authority === 'down.test' ? { error: 'connection-refused' } : { error: 'HTTP-request-denied' }; },
    });
    const t = types as T;
    const make = (authority: string) => {
      const r = new t.OutgoingRequest(new t.Fields());
      r.setMethod({ tag: 'post' });
      r.setScheme({ tag: 'HTTPS' });
      r.setAuthority(authority);
      r.setPathWithQuery('/p');
      const body = r.body();
      body.write().blockingWriteAndFlush(enc.encode('payload'));
      t.OutgoingBody.finish(body);
      return r;
    };
    expect(() => outgoingHandler.handle(make('evil.test'))).toThrow(expect.objectContaining({ tag: 'HTTP-request-denied' }) as unknown as Error);
    expect(outgoingHandler.handle(make('down.test')).get()).toEqual({ tag: 'ok', val: { tag: 'err', val: { tag: 'connection-refused' } } });
    const got = outgoingHandler.handle(make('ok.test')).get() as Any;
    expect(got.val.val.status()).toBe(204);
    expect(got.val.val.consume().stream().blockingRead(10n)).toEqual(enc.encode('z'));
    expect(sent[0]).toEqual({ method: 'POST', scheme: 'https', authority: 'evil.test', pathWithQuery: '/p', headers: [], body: enc.encode('payload') });
  });
});
