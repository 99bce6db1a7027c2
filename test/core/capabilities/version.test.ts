import { describe, expect, it } from 'vitest';
import { versionsCompatible } from '../../../src/capabilities/version.js';

describe('versionsCompatible(required, offered)', () => {
  it.each([
    ['0.2.0', '0.2.3', true, '0.x: same minor, newer patch'],
    ['0.2.6', '0.2.3', true, '0.x: same minor, older patch (WASI 0.2 patches only add)'],
    ['0.2.0', '0.3.0', false, '0.x: another minor is another API'],
    ['1.2.0', '1.4.1', true, '1.x: offered minor is newer'],
    ['1.4.0', '1.2.0', false, '1.x: offered minor is older'],
    ['1.0.0', '2.0.0', false, 'another major'],
    ['0.1.0-draft', '0.1.0-draft', true, 'identical pre-release'],
    ['0.2.0-draft', '0.2.0-draft2', false, 'drafts promise nothing'],
    ['0.2.0-draft', '0.2.0', false, 'pre-release vs release'],
    [undefined, undefined, true, 'both unversioned'],
    ['1.0.0', undefined, false, 'versioned import, unversioned offer'],
  ] as [string | undefined, string | undefined, boolean, string][])('%s needed, %s offered → %s (%s)', (required, offered, expected) => {
    expect(versionsCompatible(required, offered)).toBe(expected);
  });
});
