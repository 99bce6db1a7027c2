// The name `wasmhost import` records a desired state under, apart from the import itself so that
// an agent can look for it without loading the YAML parser.

/** The file name the recorded desired state has in its folder. */
export const IMPORTED_FILE = 'desired.yaml';
