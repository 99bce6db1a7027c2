import { badInputError as badInput } from '../../support/bad-input.js';
// ApplicationDeployment shapes, and the problems found when resolving it against a description.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseApplicationDeployment } from '../../../src/deploy/manifest-deployment.js';
import { parseApplicationDescription } from '../../../src/deploy/manifest-description.js';
import { resolveDeployment } from '../../../src/deploy/manifest-resolve.js';
import { WasmhostError } from '../../../src/errors.js';

const read = (name: string) => readFileSync(`test/fixtures/manifests/threshold-alarm/${name}`, 'utf8');
const description = parseApplicationDescription(read('margo.yaml'), 'margo.yaml');
type Doc = { id?: unknown; metadata: Record<string, unknown> & { annotations?: Record<string, unknown> }; spec: Record<string, unknown> & { parameters?: Record<string, unknown> } };
const margo = () => parse(read('deployment.yaml')) as Doc;
const short = () => parse(read('deployment-short.yaml')) as Doc;


describe('parseApplicationDeployment', () => {
  it('reads the id from metadata.annotations.id too (the published Margo page)', () => {
    const doc = margo();
    doc.metadata.annotations!.id = doc.id;
    delete doc.id;
    expect(parseApplicationDeployment(doc).id).toBe('5b0c7a52-0f7e-4d7c-9a63-3a1c2f0e8d41');
  });

  const cases: [string, (doc: Doc) => void, string][] = [
    ['no id', (d) => delete d.id, 'id: required (or metadata.annotations.id)'],
    ['two different ids', (d) => { d.metadata.annotations!.id = 'other'; }, 'metadata.annotations.id: differs from id ("other" vs "5b0c7a52-0f7e-4d7c-9a63-3a1c2f0e8d41")'],
    ['no application id', (d) => delete d.metadata.annotations, 'metadata.annotations.applicationId: required (or spec.applicationId)'],
    ['a bad application id', (d) => { d.metadata.annotations!.applicationId = 'Alarm'; }, `metadata.annotations.applicationId: "Alarm" is not a Margo application id (lower case letters, digits and '-', at most 200)`],
    ['no name', (d) => delete d.metadata.name, 'metadata.name: required'],
    ['no spec', (d) => delete (d as { spec?: unknown }).spec, 'spec: required'],
    ['parameters as a list', (d) => { d.spec.parameters = [] as never; }, 'spec.parameters: expected an object, got a list'],
    ['a target naming no component', (d) => { (d.spec.parameters!.site as { targets: { components: string[] }[] }).targets[0].components = ['alarms']; },
      'spec.parameters.site.targets[0].components[0]: no component "alarms" in the deployment profile (components: alarm)'],
    ['a bad inline digest', (d) => { ((d.spec.deploymentProfile as { components: { properties: Record<string, unknown> }[] }).components[0].properties.digest = 'sha256:0'); },
      'spec.deploymentProfile.components[0].properties.digest: expected sha256:<64 hex digits>, got "sha256:0"'],
    ['a parameter value the property refuses', (d) => { (d.spec.parameters!.checkEveryMs as { value: unknown }).value = -1; },
      'spec.deploymentProfile.components[0].properties.triggers[0].everyMs: expected a whole number from 10 to 86400000, got -1 (set by parameter "checkEveryMs")'],
  ];
  it.each(cases)('refuses %s', (_, change, message) => {
    const doc = margo();
    change(doc);
    expect(badInput(() => parseApplicationDeployment(doc)).message).toBe(message);
  });

  it('names the source', () => {
    const doc = margo();
    delete doc.metadata.name;
    expect(badInput(() => parseApplicationDeployment(doc, 'deployments/alarm.yaml')).message).toBe('deployments/alarm.yaml: metadata.name: required');
  });
});

describe('resolveDeployment', () => {
  const cases: [string, () => Doc, string][] = [
    ['another application', () => { const d = short(); d.spec.applicationId = 'other-app'; return d; },
      `d.yaml: spec.applicationId: "other-app" does not match the ApplicationDescription's metadata.id "threshold-alarm"`],
    ['a profile id that is not there', () => { const d = short(); d.spec.deploymentProfile = { id: 'nope' }; return d; },
      'd.yaml: spec.deploymentProfile.id: "nope" names no profile of the ApplicationDescription (Wasm profiles: threshold-alarm-wasm)'],
    ['a profile id of a compose profile', () => { const d = short(); d.spec.deploymentProfile = { id: 'threshold-alarm-compose' }; return d; },
      'd.yaml: spec.deploymentProfile.id: "threshold-alarm-compose" is a compose profile, not a Wasm one (Wasm profiles: threshold-alarm-wasm)'],
    ['a parameter the description lacks, without targets', () => { const d = short(); d.spec.parameters!.extra = { value: 1 }; return d; },
      'd.yaml: spec.parameters.extra.targets: required: the ApplicationDescription has no parameter "extra" to take them from'],
    ['a version annotation that differs', () => { const d = margo(); d.metadata.annotations!.applicationVersion = '1.3.0'; return d; },
      `d.yaml: metadata.annotations.applicationVersion: "1.3.0" does not match the ApplicationDescription's metadata.version "1.4.0"`],
    ['a value the description profile refuses', () => { const d = short(); d.spec.parameters!.checkEveryMs = { value: 'often' }; return d; },
      'margo.yaml: deploymentProfiles[1].components[0].properties.triggers[0].everyMs: expected a whole number from 10 to 86400000, got "often" (set by parameter "checkEveryMs")'],
  ];
  it.each(cases)('refuses %s', (_, doc, message) => {
    const deployment = parseApplicationDeployment(doc(), 'd.yaml');
    expect(badInput(() => resolveDeployment(deployment, description)).message).toBe(message);
  });

  it('needs the profile and the version when there is no description', () => {
    const deployment = parseApplicationDeployment(short(), 'd.yaml');
    expect(badInput(() => resolveDeployment(deployment)).message.split('\n')).toStrictEqual([
      "d.yaml: metadata.annotations.applicationVersion: required when there is no ApplicationDescription (Margo keeps the version in the description's metadata.version)",
      'd.yaml: spec.deploymentProfile: required when there is no ApplicationDescription (give the profile inline)',
      'd.yaml: spec.parameters.threshold.targets: required: no ApplicationDescription to take them from',
      'd.yaml: spec.parameters.site.targets: required: no ApplicationDescription to take them from',
      'd.yaml: spec.parameters.checkEveryMs.targets: required: no ApplicationDescription to take them from',
    ]);
  });

  it("uses the description's first Wasm profile when the deployment names none", () => {
    const doc = short();
    delete doc.spec.deploymentProfile;
    const resolved = resolveDeployment(parseApplicationDeployment(doc), description);
    expect(resolved.components.map((c) => c.name)).toStrictEqual(['alarm']);
  });
});
