// The little URL arithmetic the registry protocol needs (the core has no URL global):
// origins, and Location headers resolved against the request's URL.

const ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]+)/i;

/** `scheme://host[:port]` of an absolute URL (lower-cased), or undefined when not absolute. */
export function urlOrigin(url: string): string | undefined {
  const m = ORIGIN.exec(url);
  return m ? `${m[1].toLowerCase()}://${m[2].toLowerCase()}` : undefined;
}

/** A `Location` (absolute, `//host/…`, `/path`, or relative) resolved against `base`. */
export function resolveLocation(location: string, base: string): string {
  if (urlOrigin(location)) return location;
  const origin = urlOrigin(base) ?? '';
  if (location.startsWith('//')) return `${origin.split(':')[0]}:${location}`;
  if (location.startsWith('/')) return `${origin}${location}`;
  const path = base.slice(origin.length).replace(/[?#].*$/, '');
  return `${origin}${path.slice(0, path.lastIndexOf('/') + 1)}${location}`;
}

/** `url` with `?key=value` (or `&key=value`) appended, the value percent-encoded. */
export function withQuery(url: string, key: string, value: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${key}=${encodeURIComponent(value)}`;
}
