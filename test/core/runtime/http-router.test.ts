// Routing of a shared HTTP listener: whole-segment prefixes, the longest winning, hosts before
// no host, conflicts between owners refused, the same owner taking its route over on update.
import { describe, expect, it } from 'vitest';
import { createHttpRouter, type HttpRoute } from '../../../src/runtime/http-router.js';
import { DEFAULT_HTTP_LIMITS } from '../../../src/runtime/http-limits.js';
import { WasmhostError } from '../../../src/errors.js';

const route = (name: string): HttpRoute => ({ name, limits: DEFAULT_HTTP_LIMITS, handle: () => Promise.reject(new Error('not called')) });

describe('createHttpRouter', () => {
  it('matches whole path segments, the longest prefix first, ignoring the query', () => {
    const router = createHttpRouter();
    const api = route('api');
    const v2 = route('v2');
    const root = route('root');
    router.bind({ path: '/api' }, 'a', api);
    router.bind({ path: '/api/v2/' }, 'b', v2);
    expect(router.resolve('/', undefined)).toBeUndefined();
    router.bind({ path: '/' }, 'c', root);
    expect(router.resolve('/api', undefined)).toBe(api);
    expect(router.resolve('/api/x?y=/api/v2', undefined)).toBe(api);
    expect(router.resolve('/api/v2/items', undefined)).toBe(v2);
    expect(router.resolve('/apix', undefined)).toBe(root);
  });

  it('prefers a route for the request host (with or without its port) over one for any host', () => {
    const router = createHttpRouter();
    const any = route('any');
    const site = route('site');
    router.bind({ path: '/api' }, 'a', any);
    router.bind({ path: '/api', host: 'site.local' }, 'b', site);
    expect(router.resolve('/api', 'site.local:8080')).toBe(site);
    expect(router.resolve('/api', 'SITE.local')).toBe(site);
    expect(router.resolve('/api', 'other.local')).toBe(any);
  });

  it('refuses a route another owner holds with a conflict naming it; the same owner takes it over, and the old unbind is then a no-op', () => {
    const router = createHttpRouter();
    const v1 = route('v1');
    const unbindV1 = router.bind({ path: '/api' }, 'shop/web', v1);
    const error = (() => { try { router.bind({ path: '/api' }, 'blog/web', route('blog')); } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(WasmhostError);
    expect((error as WasmhostError).code).toBe('conflict');
    expect((error as WasmhostError).message).toMatch(/\/api is served by shop\/web already/);
    expect(router.resolve('/api', undefined)).toBe(v1);
    const v2 = route('v2');
    const unbindV2 = router.bind({ path: '/api' }, 'shop/web', v2);
    unbindV1();
    expect(router.resolve('/api', undefined)).toBe(v2);
    unbindV2();
    expect(router.resolve('/api', undefined)).toBeUndefined();
  });
});
