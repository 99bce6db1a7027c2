import { badInputError as badInput } from '../../support/bad-input.js';
// Each malformed field of an ApplicationDescription → the exact message, with its field path.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseApplicationDescription } from '../../../src/deploy/manifest-description.js';
import { WasmhostError } from '../../../src/errors.js';

const valid = () => parse(readFileSync('test/fixtures/manifests/threshold-alarm/margo.yaml', 'utf8')) as Record<string, unknown>;
const DELETE = Symbol('delete');
const WASM = ['deploymentProfiles', 1, 'components', 0, 'properties'];
const P = 'deploymentProfiles[1].components[0].properties';


/** A copy of the valid description with the value at `path` replaced (or deleted). */
function edit(path: (string | number)[], value: unknown): unknown {
  const doc = valid();
  let node = doc as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === DELETE) delete node[last];
  else node[last] = value;
  return doc;
}

const cases: [string, (string | number)[], unknown, string][] = [
  ['a short digest', [...WASM, 'digest'], 'sha256:abc', `${P}.digest: expected sha256:<64 hex digits>, got "sha256:abc"`],
  ['a digest of another algorithm', [...WASM, 'digest'], `sha512:${'a'.repeat(64)}`, `${P}.digest: expected sha256:<64 hex digits>, got "sha512:${'a'.repeat(60)}..."`],
  ['no digest', [...WASM, 'digest'], DELETE, `${P}.digest: required (sha256:<64 hex digits> of the component bytes)`],
  ['an http location', [...WASM, 'packageLocation'], 'http://example.com/a.wasm', `${P}.packageLocation: expected a file path, an https URL or an oci:// reference, got "http://example.com/a.wasm" (http: is not supported except on loopback)`],
  ['an http location on loopback is fine only there', [...WASM, 'packageLocation'], 'http://10.0.0.1/a.wasm', `${P}.packageLocation: expected a file path, an https URL or an oci:// reference, got "http://10.0.0.1/a.wasm" (http: is not supported except on loopback)`],
  ['an OCI reference with an upper-case repository', [...WASM, 'packageLocation'], 'oci://reg.example/Team/app:1', `${P}.packageLocation: "oci://reg.example/Team/app:1" is not an OCI reference: repository "Team/app" must be lower-case path components (expected oci://registry[:port]/repository[:tag][@sha256:<64 hex>])`],
  ['an OCI reference with a short digest', [...WASM, 'packageLocation'], 'oci://reg.example/app@sha256:abc', `${P}.packageLocation: "oci://reg.example/app@sha256:abc" is not an OCI reference: digest "sha256:abc" is not sha256:<64 lower-case hex> (expected oci://registry[:port]/repository[:tag][@sha256:<64 hex>])`],
  ['a numeric location', [...WASM, 'packageLocation'], 42, `${P}.packageLocation: expected a non-empty string, got 42 (quote it in YAML)`],
  ['no location', [...WASM, 'packageLocation'], DELETE, `${P}.packageLocation: required`],
  ['a misspelt property', [...WASM, 'grant'], {}, `${P}.grant: unknown field; did you mean "grants"?`],
  ['an unknown property', [...WASM, 'keyLocation'], 'https://example.com/key.asc', `${P}.keyLocation: unknown field (expected one of: packageLocation, packageFormat, digest, grants, config, triggers, limits)`],
  ['properties as a list', [...WASM], [], `${P}: expected an object, got a list`],
  ['a misspelt grant', [...WASM, 'grants', 'sensor'], ['humidity'], `${P}.grants.sensor: unknown field; did you mean "sensors"?`],
  ['a misspelt messaging grant', [...WASM, 'grants', 'messaging', 'publsh'], ['x'], `${P}.grants.messaging.publsh: unknown field; did you mean "publish"?`],
  ['a bad topic filter', [...WASM, 'grants', 'messaging', 'publish'], ['alarms/#/high'], `${P}.grants.messaging.publish[0]: "alarms/#/high" is not an MQTT topic filter: '#' must be the last level`],
  ['a partial wildcard', [...WASM, 'grants', 'messaging', 'subscribe'], ['a', 'cmd/x+'], `${P}.grants.messaging.subscribe[1]: "cmd/x+" is not an MQTT topic filter: '+' and '#' must fill a whole level`],
  ['buckets as a string', [...WASM, 'grants', 'keyvalue', 'buckets'], 'alarm-state', `${P}.grants.keyvalue.buckets: expected a list, got "alarm-state"`],
  ['an empty bucket name', [...WASM, 'grants', 'keyvalue', 'buckets'], ['a', ''], `${P}.grants.keyvalue.buckets[1]: expected a non-empty string, got ""`],
  ['network as text', [...WASM, 'grants', 'network'], 'yes', `${P}.grants.network: expected true or false, got "yes"`],
  ['a display grant that is no list', [...WASM, 'grants', 'display'], 'greenhouse', `${P}.grants.display: expected a list, got "greenhouse"`],
  ['a relative guest path', [...WASM, 'grants', 'filesystem'], { data: '/var/lib/alarm' }, `${P}.grants.filesystem.data: the guest path (the key) must be absolute, e.g. /data`],
  ['a bad env name', [...WASM, 'grants', 'env'], { '1X': 'a' }, `${P}.grants.env["1X"]: not an environment variable name (letters, digits, _; not starting with a digit)`],
  ['a versioned interface grant', [...WASM, 'grants', 'interfaces'], ['acme:plc/registers@1.0.0'], `${P}.grants.interfaces[0]: expected a WIT interface name like "acme:plc/registers" (no version), got "acme:plc/registers@1.0.0"`],
  ['a nested config value', [...WASM, 'config', 'alarm'], { level: 3 }, `${P}.config.alarm: expected a string, number or boolean, got an object`],
  ['an unknown trigger kind', [...WASM, 'triggers', 0, 'kind'], 'timer', `${P}.triggers[0].kind: expected one of interval, message, reading, http, got "timer"`],
  ['a trigger without kind', [...WASM, 'triggers', 0, 'kind'], DELETE, `${P}.triggers[0].kind: required (one of: interval, message, reading, http)`],
  ['an http grant origin with a path', [...WASM, 'grants', 'http'], { allow: ['https://api.example.com/v1'] }, `${P}.grants.http.allow[0]: "https://api.example.com/v1" is no origin: an origin has no path, query or credentials (scheme://host[:port])`],
  ['an http grant for another scheme', [...WASM, 'grants', 'http'], { allow: ['ftp://files.example.com'] }, `${P}.grants.http.allow[0]: "ftp://files.example.com" is no origin: only http and https origins can be allowed`],
  ['an http grant response cap past the channel', [...WASM, 'grants', 'http'], { allow: [], maxResponseBytes: 2 ** 20 }, `${P}.grants.http.maxResponseBytes: expected a whole number from 0 to 786432, got 1048576`],
  ['an http trigger without a path', [...WASM, 'triggers', 2], { kind: 'http' }, `${P}.triggers[2].path: required`],
  ['an http trigger path with a query', [...WASM, 'triggers', 2], { kind: 'http', path: '/api?x=1' }, `${P}.triggers[2].path: "/api?x=1" is no path prefix: it must start with / and hold only URL path characters (no ? or #)`],
  ['an http trigger with a bad host', [...WASM, 'triggers', 2], { kind: 'http', path: '/a', host: 'a b' }, `${P}.triggers[2].host: "a b" is no host name (optionally with :port)`],
  ['an http trigger admitting no request', [...WASM, 'triggers', 2], { kind: 'http', path: '/a', maxConcurrent: 0 }, `${P}.triggers[2].maxConcurrent: expected a whole number from 1 to 1024, got 0`],
  ['a zero interval', [...WASM, 'triggers', 2], { kind: 'interval', everyMs: 0, export: 'check' }, `${P}.triggers[2].everyMs: expected a whole number from 10 to 86400000, got 0`],
  ['an interval as text', [...WASM, 'triggers', 2], { kind: 'interval', everyMs: '5s', export: 'check' }, `${P}.triggers[2].everyMs: expected a whole number from 10 to 86400000, got "5s"`],
  ['an interval without export', [...WASM, 'triggers', 2], { kind: 'interval', everyMs: 10 }, `${P}.triggers[2].export: required`],
  ['a misspelt trigger field', [...WASM, 'triggers', 0, 'every'], 5000, `${P}.triggers[0].every: unknown field; did you mean "everyMs"?`],
  ['an object argument', [...WASM, 'triggers', 0, 'args'], [{ a: 1 }], `${P}.triggers[0].args[0]: expected a WAVE value as text (e.g. "21.5" or "\\"hello\\""), got an object`],
  ['a wildcard output', [...WASM, 'triggers', 0, 'output'], 'alarms/#', `${P}.triggers[0].output: "alarms/#" is a topic filter; an output needs a concrete topic (no + or #)`],
  ['a message trigger without subscriptions', [...WASM, 'grants', 'messaging', 'subscribe'], DELETE, `${P}.triggers[1]: a message trigger needs topics to receive: grant them in grants.messaging.subscribe`],
  ['a reading trigger on an ungranted sensor', [...WASM, 'triggers', 2], { kind: 'reading', sensors: ['humidity'], export: 'on-reading' }, `${P}.triggers[2].sensors[0]: sensor "humidity" is not granted (add it to grants.sensors)`],
  ['a reading trigger without sensors', [...WASM, 'triggers', 2], { kind: 'reading', sensors: [], export: 'on-reading' }, `${P}.triggers[2].sensors: expected at least one item, got an empty list`],
  ['memory in MB', [...WASM, 'limits', 'memory'], '64MB', `${P}.limits.memory: expected bytes or a quantity like 64Mi, got "64MB"`],
  ['memory under a page', [...WASM, 'limits', 'memory'], 1000, `${P}.limits.memory: 1000 is less than one Wasm page (64Ki)`],
  ['an unknown isolation', [...WASM, 'limits', 'isolation'], 'thread', `${P}.limits.isolation: expected one of worker, in-process, got "thread"`],
  ['a misspelt limit', [...WASM, 'limits', 'callTimeout'], 100, `${P}.limits.callTimeout: unknown field; did you mean "callTimeoutMs"?`],
  ['a call time limit in-process', [...WASM, 'limits'], { isolation: 'in-process', callTimeoutMs: 500 }, `${P}.limits.callTimeoutMs: cannot be enforced with isolation: in-process (a call in the host's thread cannot be interrupted); remove it, or use isolation: worker`],
  ['a fractional timeout', [...WASM, 'limits', 'callTimeoutMs'], 2.5, `${P}.limits.callTimeoutMs: expected a whole number from 1 to 600000, got 2.5`],
  // Numbers out of range (issue 11, hole 6): each refused with its field path.
  ["an interval past Node's timer range (it fired every 1 ms)", ['parameters', 'checkEveryMs', 'value'], 9007199254740991, `${P}.triggers[0].everyMs: expected a whole number from 10 to 86400000, got 9007199254740991 (set by parameter "checkEveryMs")`],
  ['an interval of 2^31 ms', ['parameters', 'checkEveryMs', 'value'], 2 ** 31, `${P}.triggers[0].everyMs: expected a whole number from 10 to 86400000, got 2147483648 (set by parameter "checkEveryMs")`],
  ['an interval under 10 ms', ['parameters', 'checkEveryMs', 'value'], 1, `${P}.triggers[0].everyMs: expected a whole number from 10 to 86400000, got 1 (set by parameter "checkEveryMs")`],
  ['a call timeout past the timer range (it failed at once)', [...WASM, 'limits', 'callTimeoutMs'], 3000000000, `${P}.limits.callTimeoutMs: expected a whole number from 1 to 600000, got 3000000000`],
  ['memory of 99999999999999999999Gi', [...WASM, 'limits', 'memory'], '99999999999999999999Gi', `${P}.limits.memory: "99999999999999999999Gi" is more than 4Gi, the most a 32-bit Wasm memory can address`],
  ['memory of 5Gi', [...WASM, 'limits', 'memory'], '5Gi', `${P}.limits.memory: "5Gi" is more than 4Gi, the most a 32-bit Wasm memory can address`],
  ['memory as a huge number', [...WASM, 'limits', 'memory'], 1e21, `${P}.limits.memory: expected bytes or a quantity like 64Mi, got 1e+21`],
  ['a non-Margo component name', ['deploymentProfiles', 1, 'components', 0, 'name'], 'Alarm_1', `deploymentProfiles[1].components[0].name: "Alarm_1" is not a Margo component name (lower case letters, digits and '-', at most 200)`],
  ['a Wasm profile without id', ['deploymentProfiles', 1, 'id'], DELETE, 'deploymentProfiles[1].id: required'],
  ['a profile without components', ['deploymentProfiles', 1, 'components'], [], 'deploymentProfiles[1].components: expected at least one component, got an empty list'],
  ['a profile without type', ['deploymentProfiles', 0, 'type'], DELETE, 'deploymentProfiles[0].type: required'],
  ['profiles as an object', ['deploymentProfiles'], {}, 'deploymentProfiles: expected a list, got an object'],
  ['a bad application id', ['metadata', 'id'], 'Threshold_Alarm', `metadata.id: "Threshold_Alarm" is not a Margo application id (lower case letters, digits and '-', at most 200)`],
  ['a numeric version', ['metadata', 'version'], 1.4, 'metadata.version: expected a non-empty string, got 1.4 (quote it in YAML)'],
  ['no metadata', ['metadata'], DELETE, 'metadata: required'],
  ['a foreign apiVersion', ['apiVersion'], 'example.com/v1', 'apiVersion: expected a margo.org API version (e.g. "margo.org/v1-alpha1"), got "example.com/v1"'],
  ['a target naming no component', ['parameters', 'threshold', 'targets', 0, 'components'], ['alarms'], 'parameters.threshold.targets[0].components[0]: no component "alarms" in any deployment profile'],
  ['a parameter without targets', ['parameters', 'threshold', 'targets'], DELETE, 'parameters.threshold.targets: required'],
  ['an object parameter value', ['parameters', 'threshold', 'value'], { c: 30 }, 'parameters.threshold.value: expected a string, number or boolean, got an object'],
  ['a pointer to no property', ['parameters', 'threshold', 'targets', 0, 'pointer'], 'confg.threshold', 'parameters.threshold.targets[0].pointer: "confg.threshold" does not start with a Wasm component property (one of: packageLocation, packageFormat, digest, grants, config, triggers, limits)'],
  ['a pointer past a list', ['parameters', 'checkEveryMs', 'targets', 0, 'pointer'], 'triggers[5].everyMs', `parameters.checkEveryMs.targets[0].pointer: ${P}.triggers has no item [5]`],
  ['a JSON Pointer too deep into config', ['parameters', 'threshold', 'targets', 0, 'pointer'], '/config/a/b', 'parameters.threshold.targets[0].pointer: "/config/a/b": a config pointer names one key, e.g. /config/threshold'],
  ['a parameter setting a bad value', ['parameters', 'checkEveryMs', 'value'], 'soon', `${P}.triggers[0].everyMs: expected a whole number from 10 to 86400000, got "soon" (set by parameter "checkEveryMs")`],
];

describe('parseApplicationDescription: one malformed field, one exact message', () => {
  it.each(cases)('%s', (_, path, value, message) => {
    const error = badInput(() => parseApplicationDescription(edit(path, value)));
    expect(error.message).toBe(message);
  });

  it('names the source file on every line', () => {
    const error = badInput(() => parseApplicationDescription(edit([...WASM, 'digest'], 'sha256:abc'), 'margo.yaml'));
    expect(error.message).toBe(`margo.yaml: ${P}.digest: expected sha256:<64 hex digits>, got "sha256:abc"`);
  });

  it('collects every problem in one error, each on its own line and in data.problems', () => {
    const doc = edit([...WASM, 'digest'], 'sha256:abc') as { metadata: Record<string, unknown>; deploymentProfiles: { components: { properties: Record<string, unknown> }[] }[] };
    doc.metadata.version = 2;
    doc.deploymentProfiles[1].components[0].properties.limits = { memory: 'lots' };
    doc.deploymentProfiles[1].components[0].properties.grants = { sensor: ['temperature'], messaging: { subscribe: ['x'] } };
    const error = badInput(() => parseApplicationDescription(doc));
    expect(error.message.split('\n')).toStrictEqual([
      'metadata.version: expected a non-empty string, got 2 (quote it in YAML)',
      `${P}.digest: expected sha256:<64 hex digits>, got "sha256:abc"`,
      `${P}.grants.sensor: unknown field; did you mean "sensors"?`,
      `${P}.limits.memory: expected bytes or a quantity like 64Mi, got "lots"`,
    ]);
    expect(error.data).toStrictEqual({
      problems: [
        { path: 'metadata.version', message: 'expected a non-empty string, got 2 (quote it in YAML)' },
        { path: `${P}.digest`, message: 'expected sha256:<64 hex digits>, got "sha256:abc"' },
        { path: `${P}.grants.sensor`, message: 'unknown field; did you mean "sensors"?' },
        { path: `${P}.limits.memory`, message: 'expected bytes or a quantity like 64Mi, got "lots"' },
      ],
    });
  });

  it('accepts a custom profile only when all its components are Wasm', () => {
    const doc = edit(['deploymentProfiles', 1, 'type'], 'custom') as { deploymentProfiles: { components: { properties: Record<string, unknown> }[] }[] };
    doc.deploymentProfiles[1].components.push({ name: 'second', properties: { packageFormat: 'wasm.component', packageLocation: 'b.wasm', digest: `sha256:${'b'.repeat(64)}` } } as never);
    expect(badInput(() => parseApplicationDescription(doc)).message).toBe(`${P}.packageFormat: required in a custom profile: wasm.component`);
  });
});
