// createTestHost's `request`: what a Wasm author writes to test an HTTP component without a
// listener; the hand-written handler in test/fixtures/http/echo.wat, served in-process.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createTestHost } from '../../host-node/test-host.js';
import { httpEchoPath } from '../support/http-fixture.js';

describe('createTestHost request (an HTTP component)', () => {
  it('sends a request and reads status, headers and body', async () => {
    const t = createTestHost();
    const echo = await t.start(await readFile(await httpEchoPath()), 'echo');
    const hello = t.request(echo, { path: '/' });
    expect(hello.status).toBe(200);
    expect(hello.text()).toBe('hello');

    const posted = t.request(echo, { method: 'POST', path: '/api/echo?q=1', headers: { 'X-In': 'from a test' }, body: 'the body' });
    expect(posted.status).toBe(200);
    expect(posted.header('x-echo')).toBe('from a test');
    expect(posted.header('X-Path')).toBe('/api/echo?q=1');
    expect(posted.text()).toBe('the body');
    expect(posted.headers).toContainEqual(['x-path', '/api/echo?q=1']);
    expect(posted.trailers).toEqual([]);
    expect(t.request(echo, { path: '/rtrailer' }).trailers).toEqual([['x-trailer', 'done']]);
  });

  it('reports a trapping handler as a trap, and refuses a component that is no HTTP handler', async () => {
    const t = createTestHost();
    const echo = await t.start(await readFile(await httpEchoPath()), 'echo');
    expect(() => t.request(echo, { path: '/trap' })).toThrow(/trap|unreachable/);
    const alarm = await t.start(await readFile('examples/threshold-alarm-c/threshold-alarm.wasm'), 'alarm');
    expect(() => t.request(alarm, { path: '/' })).toThrow(/does not export wasi:http\/incoming-handler/);
  });
});
