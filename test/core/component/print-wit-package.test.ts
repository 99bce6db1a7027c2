import { describe, expect, it } from 'vitest';
import { printWitPackage } from '../../../src/component/print-wit-package.js';
import type { WitInterface } from '../../../src/component/wit-types.js';

const greet: WitInterface = {
  name: 'demo:hi/greet@1.0.0', package: { namespace: 'demo', name: 'hi', version: '1.0.0' }, interfaceName: 'greet',
  types: [], functions: [{ name: 'hello', params: [], result: { kind: 'primitive', name: 'string' } }],
};
const empty: WitInterface = { ...greet, name: 'demo:hi/nothing@1.0.0', interfaceName: 'nothing', functions: [] };

describe('printWitPackage', () => {
  it('prints a WIT document: the package, each interface, each world naming its own interfaces short', () => {
    const text = printWitPackage({
      interfaces: [greet, empty],
      worlds: [
        { name: 'demo:hi/app@1.0.0', imports: [{ kind: 'interface', interface: empty }], exports: [{ kind: 'interface', interface: greet }] },
        { name: 'demo:hi/bare@1.0.0', imports: [], exports: [] },
      ],
    });
    expect(text).toBe([
      'package demo:hi@1.0.0;', '',
      'interface greet {', '  hello: func() -> string;', '}', '',
      'interface nothing {}', '',
      'world app {', '  import nothing;', '  export greet;', '}', '',
      'world bare {}', '',
    ].join('\n'));
  });

  it('prints nothing for a package that defines nothing', () => {
    expect(printWitPackage({ interfaces: [], worlds: [] })).toBe('');
  });
});
