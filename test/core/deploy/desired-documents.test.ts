// Where a desired state may take packages from (issue 11, hole 4), and manifest entries whose
// YAML declares another deployment id (hole 9).
import { describe, expect, it } from 'vitest';
import { resolveDesired } from '../../../src/deploy/desired-documents.js';
import { packageLocationProblem } from '../../../src/deploy/package-location.js';
import { badInputError as badInput } from '../../support/bad-input.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const yaml = (id: string, location: string) => `apiVersion: application.margo.org/v1alpha1
kind: ApplicationDeployment
id: ${id}
metadata:
  name: ${id}
  annotations: { applicationId: ${id}, applicationVersion: "1" }
spec:
  deploymentProfile:
    type: wasm.component
    components:
      - name: main
        properties: { packageLocation: ${JSON.stringify(location)}, digest: ${DIGEST} }
`;
const FM = 'https://wfm.example:8443';

describe('package locations by origin', () => {
  it('a fleet manager: absolute URLs only, never a path of this device', () => {
    const ok = resolveDesired([{ source: 'calc.yaml', text: yaml('calc', 'https://pkg.example/calc.wasm'), deploymentId: 'calc' }], FM, { remote: true });
    expect(ok[0].components[0].packageLocation).toBe('https://pkg.example/calc.wasm');
    for (const location of ['/etc/hostname', '../../etc/shadow', 'calc.wasm', 'C:\\Windows\\win.ini']) {
      const error = badInput(() => resolveDesired([{ source: 'calc.yaml', text: yaml('calc', location), deploymentId: 'calc' }], FM, { remote: true }));
      expect(error.message).toContain(`packageLocation ${JSON.stringify(location)}: a fleet manager's deployment must name an https URL; local paths are allowed only in a --desired folder`);
    }
  });

  it('a local folder: URLs or paths that stay inside it', () => {
    expect(resolveDesired([{ source: 'a.yaml', text: yaml('a', 'components/a.wasm') }], '/srv/desired')[0].components[0].packageLocation).toBe('components/a.wasm');
    for (const location of ['/etc/hostname', '../outside.wasm', 'components/../../x.wasm', 'C:\\x.wasm', '\\\\server\\share\\x.wasm']) {
      expect(badInput(() => resolveDesired([{ source: 'a.yaml', text: yaml('a', location) }], '/srv/desired')).message)
        .toContain('expected an https URL or a path relative to the desired-state folder that stays inside it');
    }
  });

  it('a manifest fetched by URL (a browser page): references resolve as URLs, never as files', () => {
    expect(packageLocationProblem('files/a.wasm', 'http://127.0.0.1:8080/desired.yaml', false)).toBeUndefined();
    expect(packageLocationProblem('/files/a.wasm', 'https://host.example/desired.yaml', false)).toBeUndefined();
  });
});

describe('manifest entries and the ids their YAML declares', () => {
  it('refuses the whole manifest when an entry\'s YAML declares another id, naming both', () => {
    const sources = [
      { source: 'calc.yaml', text: yaml('calc', 'https://pkg.example/calc.wasm'), deploymentId: 'calc' },
      { source: 'relay.yaml', text: yaml('other', 'https://pkg.example/other.wasm'), deploymentId: 'relay' },
    ];
    const error = badInput(() => resolveDesired(sources, FM, { remote: true }));
    expect(error.message).toBe('the desired state is invalid:\n  relay.yaml: the manifest entry\'s deploymentId is "relay" but its YAML declares deployment id "other"; the ids must agree, so the whole manifest is refused');
  });

  it('refuses an entry whose YAML declares no deployment, or two', () => {
    const two = `${yaml('a', 'https://p.example/a.wasm')}---\n${yaml('b', 'https://p.example/b.wasm')}`;
    expect(badInput(() => resolveDesired([{ source: 'a.yaml', text: two, deploymentId: 'a' }], FM, { remote: true })).message)
      .toContain('its YAML declares deployment id "a", "b"');
    expect(badInput(() => resolveDesired([{ source: 'a.yaml', text: '{}', deploymentId: 'a' }], FM, { remote: true })).message)
      .toContain('its YAML declares no ApplicationDeployment');
  });
});
