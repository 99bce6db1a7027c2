import { badInputError as badInput } from '../../support/bad-input.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WasmhostError } from '../../../src/errors.js';
import { parseApplicationDeployment } from '../../../src/deploy/manifest-deployment.js';
import { parseApplicationDescription } from '../../../src/deploy/manifest-description.js';
import { resolveDeployment } from '../../../src/deploy/manifest-resolve.js';
import { DEFAULT_LIMITS } from '../../../src/deploy/manifest-triggers.js';
import type { DesiredDeployment } from '../../../src/deploy/types.js';

const DIR = 'test/fixtures/manifests';
const BASE = `${DIR}/threshold-alarm`;
const fixture = (name: string) => readFileSync(`${DIR}/${name}`, 'utf8');
const golden = JSON.parse(fixture('threshold-alarm/desired.json')) as DesiredDeployment;


describe('golden: threshold alarm', () => {
  const description = parseApplicationDescription(fixture('threshold-alarm/margo.yaml'), 'margo.yaml');

  it('reads the description: metadata, every profile, parameters', () => {
    expect(description.metadata).toStrictEqual({
      id: 'threshold-alarm', name: 'Threshold alarm', version: '1.4.0',
      description: 'Raises an alarm when a reading passes a threshold',
      catalog: { application: { tagline: 'Temperature alarms at the edge', tags: ['monitoring', 'alarms'] }, organization: [{ name: 'Example Works' }] },
    });
    expect(description.deploymentProfiles.map((p) => [p.id, p.type, p.wasm])).toStrictEqual([
      ['threshold-alarm-compose', 'compose', false],
      ['threshold-alarm-wasm', 'wasm.component', true],
    ]);
    expect(description.deploymentProfiles[1].deviceConstraints).toStrictEqual({ capacityRequirements: { memory: '32Mi' } });
    expect(description.parameters.threshold).toMatchObject({ value: 30, targets: [{ pointer: 'config.threshold', components: ['alarm'] }, { pointer: 'THRESHOLD', components: ['alarm-container'] }] });
    expect(description.parameters.site.value).toBeUndefined();
    expect(description.configuration).toHaveProperty('sections');
  });

  it('Margo shape: the profile inline, parameters with targets', () => {
    const deployment = parseApplicationDeployment(fixture('threshold-alarm/deployment.yaml'), 'deployment.yaml');
    expect(deployment).toMatchObject({ id: golden.id, applicationId: 'threshold-alarm', name: golden.name, namespace: 'line-3' });
    expect(resolveDeployment(deployment, description, BASE)).toStrictEqual(golden);
  });

  it("design.md's shorter shape: the profile by id, parameter values only", () => {
    const deployment = parseApplicationDeployment(fixture('threshold-alarm/deployment-short.yaml'), 'deployment-short.yaml');
    expect(deployment).toMatchObject({ deviceId: 'gateway-7', deploymentProfileId: 'threshold-alarm-wasm' });
    expect(resolveDeployment(deployment, description, BASE)).toStrictEqual(golden);
  });

  it('applies the description defaults when the deployment sets no value', () => {
    const deployment = parseApplicationDeployment({
      apiVersion: 'application.margo.org/v1alpha1', kind: 'ApplicationDeployment',
      metadata: { name: 'alarm', annotations: { id: 'd-1', applicationId: 'threshold-alarm' } }, spec: {},
    });
    const [alarm] = resolveDeployment(deployment, description).components;
    expect(alarm.config).toStrictEqual({ unit: 'celsius', hysteresis: '0.5', threshold: '30' });
    expect(alarm.triggers[0]).toMatchObject({ everyMs: 5000 });
  });

  it('resolves an inline profile without its description when the version is annotated', () => {
    const text = fixture('threshold-alarm/deployment.yaml').replace('applicationId: threshold-alarm', 'applicationId: threshold-alarm\n    applicationVersion: 1.4.0');
    const { base: _, ...expected } = golden;
    expect(resolveDeployment(parseApplicationDeployment(text))).toStrictEqual(expected);
  });
});

describe('inputs', () => {
  it('reads JSON, ignores unknown top-level keys, applies default limits', () => {
    const description = parseApplicationDescription(fixture('minimal.json'), 'minimal.json');
    const deployment = parseApplicationDeployment({
      apiVersion: 'application.margo.org/v1alpha1', kind: 'ApplicationDeployment', id: 'd-2',
      metadata: { name: 'hello', annotations: { applicationId: 'hello' } }, spec: {},
    });
    expect(resolveDeployment(deployment, description)).toStrictEqual({
      id: 'd-2', name: 'hello', applicationId: 'hello', version: '0.1.0',
      components: [{
        name: 'hello', packageLocation: 'hello.wasm', digest: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        grants: {}, config: {}, triggers: [], limits: { callTimeoutMs: 1000, memoryBytes: 64 * 1024 * 1024, isolation: 'worker' },
      }],
    });
    expect(DEFAULT_LIMITS).toStrictEqual({ callTimeoutMs: 1000, memoryBytes: 67108864, isolation: 'worker' });
  });

  it('accepts an object already parsed', () => {
    const obj = JSON.parse(fixture('minimal.json')) as unknown;
    expect(parseApplicationDescription(obj).metadata.id).toBe('hello');
  });

  it('reports YAML syntax errors with line:column', () => {
    const error = badInput(() => parseApplicationDescription(fixture('bad-syntax.yaml'), 'bad-syntax.yaml'));
    expect(error.message).toBe('bad-syntax.yaml:6:1: Tabs are not allowed as indentation');
    expect(error.data).toStrictEqual({ problems: [{ path: '', message: 'Tabs are not allowed as indentation', source: 'bad-syntax.yaml', line: 6, column: 1 }] });
  });

  it.each([
    ['a duplicate key', 'kind: A\nkind: B\n', 'input:2:1: Map keys must be unique'],
    ['two documents', 'kind: A\n---\nkind: B\n', 'input:2:1: more than one YAML document (---); give one manifest per file'],
    ['broken JSON', '{"kind": "ApplicationDescription",, }', 'input:1:35: Unexpected , in flow map'],
    ['an unresolved alias', 'kind: *nothing\n', 'YAML: Unresolved alias (the anchor must be set before the alias): nothing'],
    ['an empty file', '', 'expected a Margo ApplicationDescription object, got null'],
    ['a list', '- 1\n', 'expected a Margo ApplicationDescription object, got a list'],
    ['another kind', 'kind: ApplicationDeployment\n', 'kind: expected "ApplicationDescription", got "ApplicationDeployment"'],
  ])('refuses %s', (_, text, message) => {
    expect(badInput(() => parseApplicationDescription(text)).message).toBe(message);
  });
});

describe('profiles', () => {
  it("accepts Margo's custom type when the components say packageFormat: wasm.component", () => {
    const description = parseApplicationDescription(fixture('custom-profile.yaml'));
    const deployment = parseApplicationDeployment({
      apiVersion: 'application.margo.org/v1alpha1', kind: 'ApplicationDeployment', id: 'd-3',
      metadata: { name: 'watch', annotations: { applicationId: 'vibration-watch' } }, spec: {},
    });
    const [watch] = resolveDeployment(deployment, description).components;
    expect(description.deploymentProfiles[0]).toMatchObject({ type: 'custom', wasm: true });
    expect(watch).toMatchObject({
      packageLocation: 'https://example.com/vibration-watch/watch.wasm',
      digest: 'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
      triggers: [{ kind: 'reading', sensors: ['vibration'], export: 'on-reading', output: 'alarms/vibration' }],
    });
  });

  it('refuses a description with only helm and compose profiles', () => {
    const error = badInput(() => parseApplicationDescription(fixture('helm-only.yaml'), 'helm-only.yaml'));
    expect(error.message).toBe('helm-only.yaml: deploymentProfiles: no Wasm deployment profile (found: helm.v3, compose)');
  });

  it('refuses a deployment whose inline profile is not Wasm', () => {
    const error = badInput(() => parseApplicationDeployment({
      apiVersion: 'application.margo.org/v1alpha1', kind: 'ApplicationDeployment', id: 'd-4',
      metadata: { name: 'x', annotations: { applicationId: 'x' } },
      spec: { deploymentProfile: { type: 'helm.v3', components: [{ name: 'x', properties: { repository: 'oci://r/x' } }] } },
    }));
    expect(error.message).toBe('spec.deploymentProfile.type: "helm.v3" is not a Wasm profile: wasmhost runs wasm.component, or custom with packageFormat: wasm.component');
  });
});

describe('parameter pointers', () => {
  /** The single component of a minimal description whose parameter `p` has `value` at `pointer`. */
  function withParameter(pointer: string, value: unknown) {
    const doc = JSON.parse(fixture('minimal.json')) as Record<string, unknown>;
    doc.parameters = { p: { value, targets: [{ pointer, components: ['hello'] }] } };
    const deployment = parseApplicationDeployment({
      apiVersion: 'application.margo.org/v1alpha1', kind: 'ApplicationDeployment', id: 'd-5',
      metadata: { name: 'hello', annotations: { applicationId: 'hello' } }, spec: {},
    });
    return () => resolveDeployment(deployment, parseApplicationDescription(doc)).components[0];
  }

  it.each([
    ['config.threshold', 30, { config: { threshold: '30' } }],
    ['config.alarm.level', 'high', { config: { 'alarm.level': 'high' } }],
    ['/config/threshold', 21.5, { config: { threshold: '21.5' } }],
    ['/config/a~1b~0c', true, { config: { 'a/b~c': 'true' } }],
    ['grants.network', true, { grants: { network: true } }],
    ['limits.memory', '128Mi', { limits: { callTimeoutMs: 1000, memoryBytes: 128 * 2 ** 20, isolation: 'worker' } }],
    ['/limits/callTimeoutMs', 50, { limits: { callTimeoutMs: 50, memoryBytes: 64 * 2 ** 20, isolation: 'worker' } }],
  ])('%s = %j', (pointer, value, expected) => {
    expect(withParameter(pointer, value)()).toMatchObject(expected);
  });

  it.each([
    ['limits.valueOf.x', 1, 'deploymentProfiles[0].components[0].properties.limits.valueOf: unknown field (expected one of: callTimeoutMs, memory, isolation) (set by parameter "p")'],
    ['config.threshold', [1, 2], 'parameters.p.value: expected a string, number or boolean, got a list'],
    ['grants.__proto__.x', 1, 'parameters.p.targets[0].pointer: "grants.__proto__.x" names a reserved key'],
    ['config', 1, 'deploymentProfiles[0].components[0].properties.config: expected an object, got 1 (set by parameter "p")'],
    ['config.', 1, 'parameters.p.targets[0].pointer: "config." is not a pointer: use dot notation (config.threshold, triggers[0].everyMs) or a JSON Pointer (/config/threshold)'],
    ['triggers[0]', 1, 'parameters.p.targets[0].pointer: deploymentProfiles[0].components[0].properties.triggers has no item [0]'],
    ['/packageLocation/0', 1, 'parameters.p.targets[0].pointer: deploymentProfiles[0].components[0].properties.packageLocation is "hello.wasm", not an object or list'],
  ])('refuses %s', (pointer, value, message) => {
    expect(badInput(withParameter(pointer, value)).message).toBe(message);
  });

  it('reports Wasm components without properties once', () => {
    const doc = JSON.parse(fixture('minimal.json')) as { deploymentProfiles: { components: Record<string, unknown>[] }[] };
    delete doc.deploymentProfiles[0].components[0].properties;
    expect(badInput(() => parseApplicationDescription(doc)).message).toBe('deploymentProfiles[0].components[0].properties: required');
  });
});
