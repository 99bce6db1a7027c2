/**
 * A loader run once, at its first call: every caller gets the same promise. For code a host
 * needs only once it has work (a dynamic `import()` of the component machinery), so an idle
 * process does not hold it.
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => (loading ??= load());
}
