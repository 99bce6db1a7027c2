// JSON Pointers (RFC 6901), as Margo eligibility rules use them to name a device property.

/** The reference tokens of a pointer (`/a~1b/0` → `['a/b', '0']`), or why it is not one. */
export function parseJsonPointer(pointer: string): { tokens: string[] } | { error: string } {
  if (pointer === '') return { tokens: [] };
  if (!pointer.startsWith('/')) {
    return { error: `'${pointer}' is not a JSON Pointer: it must be empty or start with '/' (e.g. '/${pointer}')` };
  }
  const tokens: string[] = [];
  for (const raw of pointer.slice(1).split('/')) {
    const bad = /~(?![01])/.exec(raw);
    if (bad) return { error: `'${pointer}' is not a JSON Pointer: '~' must be followed by 0 or 1 ('~0' is '~', '~1' is '/')` };
    // ~1 first, then ~0, so that '~01' becomes '~1' and not '/'.
    tokens.push(raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return { tokens };
}

/** What a pointer refers to in a document; `found: false` when any step is missing. */
export type Resolved = { found: true; value: unknown } | { found: false };

/** Follows `tokens` from `doc`: own object members, and array indexes without leading zeros. */
export function resolveJsonPointer(doc: unknown, tokens: readonly string[]): Resolved {
  let current = doc;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= current.length) return { found: false };
      current = current[Number(token)];
    } else if (typeof current === 'object' && current !== null && Object.prototype.hasOwnProperty.call(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}
