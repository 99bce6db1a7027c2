// Where a desired state may take component packages from. A local desired-state folder
// (trusted: the operator's) may name https URLs and paths inside itself; a remote desired
// state (a fleet manager, hostile until checked) may name only URLs, never this device's files.

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

/** True when a desired state's `base` is a URL (its packages are remote), not a folder. */
export function isRemoteBase(base: string | undefined): boolean {
  return base !== undefined && /^https?:\/\//i.test(base);
}

/**
 * Why `location` may not be used by a desired state read from `base`, or undefined when it
 * may. `strict` (a fleet manager): only absolute URLs. A URL base (a manifest fetched by
 * URL): URLs, or references resolved against the base URL (never read as files). A folder:
 * URLs, or relative paths that stay inside it (no absolute path, no `..`, no drive, no NUL).
 * The scheme itself (https, or http on loopback) is checked when the manifest is read.
 */
export function packageLocationProblem(location: string, base: string | undefined, strict: boolean): string | undefined {
  if (SCHEME.test(location)) return undefined;
  if (strict) return 'a fleet manager\'s deployment must name an https URL; local paths are allowed only in a --desired folder';
  if (isRemoteBase(base)) return undefined;
  const segments = location.split(/[\\/]/);
  if (/^([\\/]|[a-zA-Z]:)/.test(location) || location.includes('\0') || segments.includes('..')) {
    return 'expected an https URL or a path relative to the desired-state folder that stays inside it (no absolute path, no "..")';
  }
  return undefined;
}
