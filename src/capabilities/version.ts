/** A parsed `major.minor.patch[-pre]` version. */
interface Version { major: number; minor: number; patch: number; pre: string }

function parse(v: string): Version | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(v);
  return m ? { major: +m[1], minor: +m[2], patch: +m[3], pre: m[4] ?? '' } : undefined;
}

/**
 * Whether an offered interface version can serve an import of the required version.
 * - Pre-releases (`0.2.0-draft`) are only compatible with the identical version: drafts promise nothing.
 * - `1.x` and later: same major, offered minor ≥ required minor.
 * - `0.x`: same minor; any patch, since WASI 0.2 patch releases only add (wasmtime links them the same way).
 * - Unversioned matches only unversioned.
 */
export function versionsCompatible(required: string | undefined, offered: string | undefined): boolean {
  if (required === undefined || offered === undefined) return required === offered;
  const r = parse(required);
  const o = parse(offered);
  if (!r || !o) return required === offered;
  if (r.pre || o.pre) return required === offered;
  if (r.major !== o.major) return false;
  if (r.major === 0) return r.minor === o.minor;
  return o.minor >= r.minor;
}
