// Which HTTP workload answers a request on a shared listener: routes by path prefix (on `/`
// segment boundaries) and optional host, the longest prefix winning and a route with a host
// before one without. Pure: the Node listener asks `resolve`, the agent binds and unbinds.
import { WasmhostError } from '../errors.js';
import type { HttpLimits } from './http-limits.js';
import type { HttpRequestData, HttpResponseData } from './http-types.js';

/** One HTTP workload behind a listener. */
export interface HttpRoute {
  /** For logs and error texts. */
  name: string;
  limits: HttpLimits;
  /** Runs the handler; rejects when the call failed (trap, deadline, restarting). */
  handle(request: HttpRequestData): Promise<HttpResponseData>;
}

/** Where a route listens: a path prefix (`/api`) and, optionally, the Host it answers for. */
export interface HttpRouteSpec { path: string; host?: string }

/** The routes of one listener. */
export interface HttpRouter {
  /**
   * Binds `route` at `spec` for `owner` (a deployment component). A spec another owner holds is
   * refused with a `conflict` error naming it; the same owner takes its spec over (an update
   * starts the new version before stopping the old). Returns the unbind, a no-op once taken over.
   */
  bind(spec: HttpRouteSpec, owner: string, route: HttpRoute): () => void;
  /** The route for a request's path (query ignored) and Host header, if any. */
  resolve(pathWithQuery: string, host: string | undefined): HttpRoute | undefined;
}

interface Binding { spec: HttpRouteSpec; owner: string; route: HttpRoute }

/** An empty router. */
export function createHttpRouter(): HttpRouter {
  let bindings: Binding[] = [];
  const sameSpec = (a: HttpRouteSpec, b: HttpRouteSpec) => a.path === b.path && (a.host ?? '') === (b.host ?? '');
  return {
    bind(spec, owner, route) {
      const taken = bindings.find((b) => sameSpec(b.spec, spec) && b.owner !== owner);
      if (taken) {
        throw new WasmhostError('conflict', `the HTTP route ${describe(spec)} is served by ${taken.owner} already; give this deployment another path or host, or remove that one first`, {
          data: { path: spec.path, host: spec.host, owner: taken.owner },
        });
      }
      const binding: Binding = { spec, owner, route };
      bindings = [...bindings.filter((b) => !sameSpec(b.spec, spec)), binding];
      return () => { bindings = bindings.filter((b) => b !== binding); };
    },
    resolve(pathWithQuery, host) {
      const path = pathWithQuery.split(/[?#]/, 1)[0]!;
      const hostname = host?.toLowerCase();
      let best: Binding | undefined;
      for (const b of bindings) {
        if (b.spec.host !== undefined && !hostMatches(b.spec.host, hostname)) continue;
        if (!prefixMatches(b.spec.path, path)) continue;
        if (!best || rank(b) > rank(best)) best = b;
      }
      return best?.route;
    },
  };
}

const rank = (b: Binding) => b.spec.path.length * 2 + (b.spec.host === undefined ? 0 : 1);

function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === '/') return path.startsWith('/');
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return path === p || path.startsWith(`${p}/`);
}

/** A route's host matches the Host header with or without its port. */
function hostMatches(routeHost: string, header: string | undefined): boolean {
  if (!header) return false;
  const want = routeHost.toLowerCase();
  return header === want || header.replace(/:\d+$/, '') === want;
}

function describe(spec: HttpRouteSpec): string {
  return spec.host ? `${spec.host}${spec.path}` : spec.path;
}
