// wasmhost's own JSON Schemas (2020-12) of the Margo Workload Management API 1.0.0-rc.3
// shapes, written from reading the specification (not copied from it), with Ajv validators.
// Where rc.3's OpenAPI is ambiguous, the reading taken is noted beside the schema.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

const deviceIdPattern = '^[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$';
const states = ['pending', 'installing', 'installed', 'failed', 'removing', 'removed'];
const errorShape = { type: 'object', properties: { code: { type: 'string' }, source: { type: 'string' }, message: { type: 'string' } } };
/** u64 in [1, 2^64-1]; rc.3 types it as a JSON number. */
const manifestVersion = { type: 'integer', minimum: 1, maximum: 18446744073709551615 };
const digest = { type: 'string', pattern: '^[a-z0-9_+.-]+:[A-Za-z0-9=_-]+$' };

/** `DeviceId`: RFC 3986 unreserved segments, `/` between a gateway and its children. */
export const deviceIdSchema = { $id: 'wasmhost:margo-rc3/device-id', type: 'string', pattern: deviceIdPattern };

/** `DeviceCapabilitiesManifest`: properties, labels and `x-<name>-extensions`, nothing else at the top. */
export const deviceCapabilitiesSchema = {
  $id: 'wasmhost:margo-rc3/device-capabilities',
  type: 'object',
  required: ['properties'],
  additionalProperties: false,
  patternProperties: { '^x-[a-z][a-z0-9-]*-extensions$': { type: 'object' } },
  properties: {
    properties: {
      type: 'object',
      required: ['id', 'vendor', 'modelNumber', 'serialNumber'],
      properties: {
        id: { type: 'string', pattern: deviceIdPattern },
        vendor: { type: 'string' },
        modelNumber: { type: 'string' },
        serialNumber: { type: 'string' },
        cpus: {
          type: 'array',
          items: { type: 'object', required: ['cores'], properties: { cores: { type: 'number' }, architecture: { enum: ['amd64', 'arm64', 'arm'] } } },
        },
        memory: { type: 'string' },
        storage: { type: 'string' },
        peripherals: {
          type: 'array',
          items: { type: 'object', required: ['type'], properties: { type: { enum: ['gpu', 'display', 'camera', 'microphone', 'speaker'] }, manufacturer: { type: 'string' }, model: { type: 'string' } } },
        },
        interfaces: {
          type: 'array',
          items: { type: 'object', required: ['type'], properties: { type: { enum: ['ethernet', 'wifi', 'cellular', 'bluetooth', 'usb', 'canbus', 'rs232'] } } },
        },
        otelCollector: { type: 'boolean' },
        supportedRuntimes: { type: 'array', minItems: 1, items: { enum: ['oci', 'custom'] } },
        supportedDeploymentTypes: { type: 'array', minItems: 1, items: { enum: ['helm', 'compose', 'custom'] } },
      },
    },
    labels: {
      type: 'object',
      additionalProperties: {
        oneOf: [
          { type: 'string' }, { type: 'number' }, { type: 'boolean' },
          { type: 'array', items: { type: 'string' } }, { type: 'array', items: { type: 'number' } },
        ],
      },
    },
  },
};

/** `DeploymentStatusManifest`: `adoptedManifestVersion` is required. */
export const deploymentStatusSchema = {
  $id: 'wasmhost:margo-rc3/deployment-status',
  type: 'object',
  required: ['deploymentId', 'adoptedManifestVersion', 'status', 'components'],
  properties: {
    deploymentId: { type: 'string' },
    deviceId: { type: 'string', pattern: deviceIdPattern },
    adoptedManifestVersion: manifestVersion,
    status: { type: 'object', required: ['state'], properties: { state: { enum: states }, error: errorShape } },
    components: {
      type: 'array',
      items: { type: 'object', required: ['name', 'state'], properties: { name: { type: 'string' }, state: { enum: states }, error: errorShape } },
    },
  },
};

/**
 * `UnsignedAppStateManifest`. rc.3 lists `bundle.mediaType`, `bundle.digest` and `bundle.url`
 * in the manifest's `required` (as if they were top-level names); read here as: `bundle` is
 * always present, null exactly when there are no deployments, and otherwise has those three.
 */
export const stateManifestSchema = {
  $id: 'wasmhost:margo-rc3/state-manifest',
  type: 'object',
  required: ['manifestVersion', 'bundle', 'deployments'],
  properties: {
    manifestVersion,
    bundle: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['mediaType', 'digest', 'url'],
          properties: { mediaType: { const: 'application/vnd.margo.bundle.v1+tar+gzip' }, digest, sizeBytes: { type: 'integer', minimum: 0 }, url: { type: 'string', pattern: '^/api/v1/bundles/' } },
        },
      ],
    },
    deployments: {
      type: 'array',
      items: {
        type: 'object',
        required: ['deploymentId', 'digest', 'url'],
        properties: { deploymentId: { type: 'string' }, digest, sizeBytes: { type: 'integer', minimum: 0 }, url: { type: 'string', pattern: '^/api/v1/deployments/[^/]+/[^/]+$' } },
      },
    },
  },
  if: { properties: { deployments: { type: 'array', maxItems: 0 } } },
  then: { properties: { bundle: { type: 'null' } } },
  else: { properties: { bundle: { type: 'object' } } },
};

/** `ProblemDetail` (RFC 9457 with Margo's members); extension members are allowed. */
export const problemSchema = {
  $id: 'wasmhost:margo-rc3/problem',
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri-reference' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string', format: 'uri-reference' },
    retryable: { type: 'boolean' },
    retryAfterSeconds: { type: 'integer' },
    backoffStrategy: { enum: ['none', 'fixed', 'exponential'] },
    errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
  },
};

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);

/** A compiled validator per shape. */
export const validate: Record<'deviceId' | 'capabilities' | 'status' | 'manifest' | 'problem', ValidateFunction> = {
  deviceId: ajv.compile(deviceIdSchema),
  capabilities: ajv.compile(deviceCapabilitiesSchema),
  status: ajv.compile(deploymentStatusSchema),
  manifest: ajv.compile(stateManifestSchema),
  problem: ajv.compile(problemSchema),
};

/** The validation errors as `path: message` lines, or [] when `value` fits. */
export function check(which: keyof typeof validate, value: unknown): { field: string; message: string }[] {
  const fn = validate[which];
  if (fn(value)) return [];
  return (fn.errors ?? []).map((e) => ({ field: e.instancePath || '/', message: `${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}` }));
}
