// The Wasm extension of Margo deployment profiles: which profiles hold Wasm components,
// and what a Wasm component's `properties` say (all keys checked; typos are errors).

import type { WorkloadSpec } from './types.js';
import {
  at, isFields, readObject, readScalarMap, readString, rejectUnknownKeys, show, type Problems,
} from './manifest-fields.js';
import { readGrants } from './manifest-grants.js';
import { readLimits, readTriggers } from './manifest-triggers.js';
import { parseOciReference } from '../component/oci/oci-reference.js';

/** Our deployment profile type (Margo defines only helm and compose). */
export const WASM_PROFILE_TYPE = 'wasm.component';
/** Margo's open profile type; Wasm when its components say `packageFormat: wasm.component`. */
export const CUSTOM_PROFILE_TYPE = 'custom';
/** The `packageFormat` property value that marks a Wasm component. */
export const WASM_PACKAGE_FORMAT = 'wasm.component';
/** Every property a Wasm component may have. */
export const WASM_PROPERTIES = ['packageLocation', 'packageFormat', 'digest', 'grants', 'config', 'triggers', 'limits'] as const;

/** Margo: lower case letters, digits and dashes, at most 200 characters. */
export const MARGO_ID = /^[a-z0-9-]{1,200}$/;
const DIGEST = /^sha256:[0-9a-fA-F]{64}$/;
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/**
 * True when a profile holds Wasm components: `type: wasm.component`, or `type: custom` with at
 * least one component whose properties say `packageFormat: wasm.component` (then all must).
 */
export function isWasmProfile(type: unknown, components: unknown): boolean {
  if (type === WASM_PROFILE_TYPE) return true;
  if (type !== CUSTOM_PROFILE_TYPE || !Array.isArray(components)) return false;
  return components.some((c) => isFields(c) && isFields(c.properties) && c.properties.packageFormat === WASM_PACKAGE_FORMAT);
}

/** A component name as Margo requires it, or a problem. */
export function readComponentName(value: unknown, path: string, problems: Problems): string | undefined {
  const name = readString(value, path, problems);
  if (name === undefined || MARGO_ID.test(name)) return name;
  return problems.add(path, `${show(name)} is not a Margo component name (lower case letters, digits and '-', at most 200)`);
}

/** A Wasm component's properties as a workload spec; every problem is reported at `path.<key>`. */
export function readWasmProperties(name: string, value: unknown, type: string, path: string, problems: Problems): WorkloadSpec | undefined {
  const props = readObject(value, path, problems);
  if (!props) return undefined;
  const before = problems.list.length;
  rejectUnknownKeys(props, WASM_PROPERTIES, path, problems);
  if (props.packageFormat !== undefined || type === CUSTOM_PROFILE_TYPE) {
    if (props.packageFormat === undefined) problems.add(at(path, 'packageFormat'), `required in a custom profile: ${WASM_PACKAGE_FORMAT}`);
    else if (props.packageFormat !== WASM_PACKAGE_FORMAT) problems.add(at(path, 'packageFormat'), `expected ${WASM_PACKAGE_FORMAT}, got ${show(props.packageFormat)}`);
  }
  const packageLocation = readPackageLocation(props.packageLocation, at(path, 'packageLocation'), problems);
  const digest = readDigest(props.digest, at(path, 'digest'), problems);
  const grants = readGrants(props.grants, at(path, 'grants'), problems);
  const config = props.config === undefined ? {} : readScalarMap(props.config, at(path, 'config'), problems);
  const triggers = readTriggers(props.triggers, grants, at(path, 'triggers'), problems);
  const limits = readLimits(props.limits, at(path, 'limits'), problems);
  if (problems.list.length !== before || !packageLocation || !digest || !grants || !config || !triggers || !limits) return undefined;
  return { name, packageLocation, digest, grants, config, triggers, limits };
}

/**
 * A file path (relative to the manifest), an https URL, or an OCI reference
 * (`oci://registry/repo[:tag][@sha256:…]`); plain http only to this device itself
 * (a package cache on loopback; a registry's scheme is the operator's choice, see oci-reference.ts). The digest guarantees integrity either way; TLS adds privacy.
 */
function readPackageLocation(value: unknown, path: string, problems: Problems): string | undefined {
  const location = readString(value, path, problems);
  if (location === undefined) return undefined;
  const scheme = SCHEME.exec(location)?.[1].toLowerCase();
  if (scheme === undefined || scheme === 'https') return location;
  if (scheme === 'http' && LOOPBACK.test(location)) return location;
  if (scheme === 'oci') {
    try {
      parseOciReference(location);
      return location;
    } catch (error) {
      return problems.add(path, (error as Error).message);
    }
  }
  return problems.add(path, `expected a file path, an https URL or an oci:// reference, got ${show(location)} (${scheme}: is not supported${scheme === 'http' ? ' except on loopback' : ''})`);
}

const LOOPBACK = /^http:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?\//i;

/** `sha256:<64 hex>`, normalised to lower case. */
function readDigest(value: unknown, path: string, problems: Problems): string | undefined {
  if (value === undefined) return problems.add(path, 'required (sha256:<64 hex digits> of the component bytes)');
  if (typeof value !== 'string' || !DIGEST.test(value)) return problems.add(path, `expected sha256:<64 hex digits>, got ${show(value)}`);
  return value.toLowerCase();
}
