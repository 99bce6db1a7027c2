// `oci://registry[:port]/repository[:tag][@sha256:…]` references: parsing, and the registry's
// base URL (https, or plain http only for loopback or a registry the operator calls insecure).

import { WasmhostError } from '../../errors.js';

/** A parsed OCI reference: where the artifact lives and how it is pinned. */
export interface OciReference {
  /** `host` or `host:port` as written (lower-cased). */
  registry: string;
  /** Repository path, e.g. `team/sensor-app`. */
  repository: string;
  /** The tag, when the reference names one (`latest` when it names neither tag nor digest). */
  tag?: string;
  /** `sha256:<hex>` when the reference pins the manifest by digest. */
  digest?: string;
}

const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const REGISTRY = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

/** True when `location` is an `oci://` reference (not yet checked). */
export function isOciLocation(location: string): boolean {
  return /^oci:\/\//i.test(location);
}

/** Parses `oci://registry/repo[:tag][@sha256:…]`; throws `bad-input` naming what is wrong. */
export function parseOciReference(location: string): OciReference {
  const bad = (why: string) => new WasmhostError('bad-input',
    `${JSON.stringify(location)} is not an OCI reference: ${why} (expected oci://registry[:port]/repository[:tag][@sha256:<64 hex>])`);
  if (!isOciLocation(location)) throw bad('it does not start with oci://');
  const rest = location.slice('oci://'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) throw bad('no registry host before the repository');
  const registry = rest.slice(0, slash).toLowerCase();
  if (!REGISTRY.test(registry)) throw bad(`registry ${JSON.stringify(registry)} is not a host[:port]`);
  let path = rest.slice(slash + 1);
  let digest: string | undefined;
  const at = path.indexOf('@');
  if (at >= 0) {
    digest = path.slice(at + 1);
    path = path.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(`digest ${JSON.stringify(digest)} is not sha256:<64 lower-case hex>`);
  }
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon > path.lastIndexOf('/')) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`tag ${JSON.stringify(tag)} is not a valid tag`);
  }
  if (!REPOSITORY.test(path)) throw bad(`repository ${JSON.stringify(path)} must be lower-case path components`);
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { registry, repository: path, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** The reference as text, `oci://registry/repo:tag@digest`. */
export function formatOciReference(ref: OciReference): string {
  return `oci://${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** True for a loopback registry (localhost, 127.x, [::1]), which plain http may reach. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '');
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

/**
 * The registry's base URL (`…/v2/`): https, or http for a loopback registry or one listed in
 * `insecure` (the operator's explicit choice: anyone on the path could then read the traffic).
 */
export function registryBaseUrl(ref: Pick<OciReference, 'registry'>, insecure: readonly string[] = []): string {
  const plain = isLoopbackRegistry(ref.registry) || insecure.map((r) => r.toLowerCase()).includes(ref.registry);
  return `${plain ? 'http' : 'https'}://${ref.registry}/v2/`;
}
