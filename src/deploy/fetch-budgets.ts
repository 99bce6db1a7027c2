// The budgets of every fetch at the fleet-manager / manifest / package boundary: a total
// deadline (not an idle timeout) and a byte cap enforced while the body streams (decoded
// size included). docs/security/fetch.md lists them; adapters take them as defaults.

/** A State Manifest: JSON listing deployments (Margo rc.3); a few KiB in practice. */
export const MANIFEST_MAX_BYTES = 1024 * 1024;
export const MANIFEST_TIMEOUT_MS = 30_000;
/** One ApplicationDeployment YAML served by a fleet manager. */
export const DEPLOYMENT_MAX_BYTES = 1024 * 1024;
export const DEPLOYMENT_TIMEOUT_MS = 30_000;
/** A Margo bundle (`application/vnd.margo.bundle.v1+tar+gzip`): its gzip bytes as fetched, the tar
 * decoded from them (capped while it inflates), and the tar entries it may hold. */
export const BUNDLE_MAX_BYTES = 8 * 1024 * 1024;
export const BUNDLE_MAX_DECODED_BYTES = 16 * 1024 * 1024;
export const BUNDLE_MAX_ENTRIES = 2 * 100 + 8;
export const BUNDLE_TIMEOUT_MS = 60_000;
/** A component package (.wasm): the largest component we expect on a device. */
export const PACKAGE_MAX_BYTES = 64 * 1024 * 1024;
export const PACKAGE_TIMEOUT_MS = 5 * 60_000;
/** A status or capabilities report the device posts: the answer is not needed beyond a reason. */
export const REPORT_MAX_BYTES = 64 * 1024;
export const REPORT_TIMEOUT_MS = 30_000;
/** Deployments one State Manifest may list, and how many of their YAMLs are fetched at once. */
export const MANIFEST_MAX_DEPLOYMENTS = 100;
export const POLL_FETCHES_AT_ONCE = 4;
/** A whole poll (manifest and every YAML it lists); past it the poll fails and the state stays. */
export const POLL_TIMEOUT_MS = 120_000;
