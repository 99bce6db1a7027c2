import { describe, expect, it } from 'vitest';
import { WasmhostError } from '../../../src/errors.js';
import { badInput } from '../../support/bad-input.js';
import { evaluateEligibility, type CapabilitiesView, type EligibilityRule, type MatchExpression } from '../../../src/device/eligibility.js';

const device: CapabilitiesView = {
  properties: {
    id: 'edge-1',
    vendor: 'Acme',
    cpu: [{ cores: 4, architecture: 'arm64' }],
    memory: '2Gi',
    peripherals: [{ type: 'camera', manufacturer: 'Sony' }, { type: 'gpu', manufacturer: 'NVIDIA', model: 'Orin' }],
    otelCollector: false,
    supportedRuntimes: ['custom'],
    'a/b': 'slash',
    'm~n': 'tilde',
    '~1': 'literal',
    numericString: '12.5',
    empty: [],
    nothing: null,
    nested: { x: 1 },
  },
  labels: {
    'example.com/os': 'zephyr',
    'example.com/wasm.version': ['MVP', 'MVP+'],
    'example.com/ram-mb': 512,
    'example.com/level': '7',
    'example.com/hyper-v': true,
  },
};

const property = (e: MatchExpression) => evaluateEligibility([{ propertySelector: { matchExpressions: [e] } }], device).eligible;
const label = (e: MatchExpression) => evaluateEligibility([{ labelSelector: { matchExpressions: [e] } }], device).eligible;

describe('propertySelector operators', () => {
  it.each<[string, MatchExpression, boolean]>([
    ['In: equal string', { key: '/vendor', operator: 'In', values: ['Other', 'Acme'] }, true],
    ['In: comparison is case-sensitive', { key: '/vendor', operator: 'In', values: ['acme'] }, false],
    ['In: any element of a list', { key: '/supportedRuntimes', operator: 'In', values: ['oci', 'custom'] }, true],
    ['In: no element of a list', { key: '/supportedRuntimes', operator: 'In', values: ['oci'] }, false],
    ['In: missing key', { key: '/missing', operator: 'In', values: ['x'] }, false],
    ['In: boolean', { key: '/otelCollector', operator: 'In', values: [false] }, true],
    ['In: number', { key: '/cpu/0/cores', operator: 'In', values: [4] }, true],
    ['In: a number is not its string', { key: '/cpu/0/cores', operator: 'In', values: ['4'] }, false],
    ['In: list of objects never matches', { key: '/peripherals', operator: 'In', values: ['gpu'] }, false],
    ['In: object never matches', { key: '/nested', operator: 'In', values: ['x'] }, false],
    ['In: empty list', { key: '/empty', operator: 'In', values: ['x'] }, false],
    ['In: null', { key: '/nothing', operator: 'In', values: ['null'] }, false],
    ['In: ~1 escapes /', { key: '/a~1b', operator: 'In', values: ['slash'] }, true],
    ['In: ~0 escapes ~', { key: '/m~0n', operator: 'In', values: ['tilde'] }, true],
    ['In: ~01 is a literal ~1', { key: '/~01', operator: 'In', values: ['literal'] }, true],
    ['In: array index', { key: '/peripherals/1/manufacturer', operator: 'In', values: ['NVIDIA'] }, true],
    ['In: index past the end', { key: '/cpu/1/cores', operator: 'In', values: [4] }, false],
    ['In: leading zero is no index', { key: '/cpu/00/cores', operator: 'In', values: [4] }, false],
    ['In: "-" is no element', { key: '/cpu/-', operator: 'In', values: [4] }, false],
    ['NotIn: other value', { key: '/vendor', operator: 'NotIn', values: ['Other'] }, true],
    ['NotIn: listed value', { key: '/vendor', operator: 'NotIn', values: ['Acme'] }, false],
    ['NotIn: missing key is false (Margo: the key must exist)', { key: '/missing', operator: 'NotIn', values: ['x'] }, false],
    ['NotIn: no element listed', { key: '/supportedRuntimes', operator: 'NotIn', values: ['oci'] }, true],
    ['NotIn: an element listed', { key: '/supportedRuntimes', operator: 'NotIn', values: ['custom'] }, false],
    ['NotIn: empty list', { key: '/empty', operator: 'NotIn', values: ['x'] }, true],
    ['NotIn: list of objects', { key: '/peripherals', operator: 'NotIn', values: ['x'] }, false],
    ['Exists: present', { key: '/vendor', operator: 'Exists' }, true],
    ['Exists: absent', { key: '/missing', operator: 'Exists' }, false],
    ['Exists: null is present', { key: '/nothing', operator: 'Exists' }, true],
    ['Exists: a list of objects', { key: '/peripherals', operator: 'Exists' }, true],
    ['Exists: "" is the whole properties object', { key: '', operator: 'Exists' }, true],
    ['Exists: below a scalar', { key: '/vendor/x', operator: 'Exists' }, false],
    ['DoesNotExist: absent', { key: '/missing', operator: 'DoesNotExist' }, true],
    ['DoesNotExist: present', { key: '/vendor', operator: 'DoesNotExist' }, false],
    ['DoesNotExist: index past the end', { key: '/cpu/5', operator: 'DoesNotExist' }, true],
    ['Gt: greater', { key: '/cpu/0/cores', operator: 'Gt', values: [2] }, true],
    ['Gt: equal is not greater', { key: '/cpu/0/cores', operator: 'Gt', values: [4] }, false],
    ['Gt: numeric string in values', { key: '/cpu/0/cores', operator: 'Gt', values: ['3.5'] }, true],
    ['Gt: numeric string property', { key: '/numericString', operator: 'Gt', values: [12] }, true],
    ['Gt: non-numeric property', { key: '/vendor', operator: 'Gt', values: [1] }, false],
    ['Gt: a list is not a number', { key: '/supportedRuntimes', operator: 'Gt', values: [0] }, false],
    ['Gt: a boolean is not a number', { key: '/otelCollector', operator: 'Gt', values: [-1] }, false],
    ['Gt: a quantity is not a number', { key: '/memory', operator: 'Gt', values: [1] }, false],
    ['Lt: less', { key: '/numericString', operator: 'Lt', values: [13] }, true],
    ['Lt: equal is not less', { key: '/cpu/0/cores', operator: 'Lt', values: ['4'] }, false],
    ['Lt: negative limit', { key: '/cpu/0/cores', operator: 'Lt', values: [-1] }, false],
    ['Lt: missing key', { key: '/missing', operator: 'Lt', values: [1] }, false],
    ['ContainsAll: one element meets every item expression', {
      key: '/peripherals', operator: 'ContainsAll',
      itemSelector: { matchExpressions: [{ key: '/type', operator: 'In', values: ['gpu'] }, { key: '/manufacturer', operator: 'In', values: ['NVIDIA'] }] },
    }, true],
    ['ContainsAll: each expression met by a different element', {
      key: '/peripherals', operator: 'ContainsAll',
      itemSelector: { matchExpressions: [{ key: '/type', operator: 'In', values: ['camera'] }, { key: '/manufacturer', operator: 'In', values: ['NVIDIA'] }] },
    }, false],
    ['ContainsAll: relative Exists', { key: '/peripherals', operator: 'ContainsAll', itemSelector: { matchExpressions: [{ key: '/model', operator: 'Exists' }] } }, true],
    ['ContainsAll: on a scalar', { key: '/vendor', operator: 'ContainsAll', itemSelector: { matchExpressions: [{ key: '/x', operator: 'Exists' }] } }, false],
    ['ContainsAll: on an empty list', { key: '/empty', operator: 'ContainsAll', itemSelector: { matchExpressions: [{ key: '', operator: 'Exists' }] } }, false],
    ['ContainsAll: on a missing key', { key: '/missing', operator: 'ContainsAll', itemSelector: { matchExpressions: [{ key: '', operator: 'Exists' }] } }, false],
    ['ContainsAny: one expression met', {
      key: '/peripherals', operator: 'ContainsAny',
      itemSelector: { matchExpressions: [{ key: '/type', operator: 'In', values: ['speaker'] }, { key: '/manufacturer', operator: 'In', values: ['Sony'] }] },
    }, true],
    ['ContainsAny: none met', {
      key: '/peripherals', operator: 'ContainsAny',
      itemSelector: { matchExpressions: [{ key: '/type', operator: 'In', values: ['speaker'] }, { key: '/model', operator: 'In', values: ['X1'] }] },
    }, false],
    ['ContainsAny: on a list of scalars', { key: '/supportedRuntimes', operator: 'ContainsAny', itemSelector: { matchExpressions: [{ key: '', operator: 'Exists' }] } }, false],
  ])('%s', (_name, expression, expected) => {
    expect(property(expression)).toBe(expected);
  });
});

describe('labelSelector operators (keys are label names, not pointers)', () => {
  it.each<[string, MatchExpression, boolean]>([
    ['In: string', { key: 'example.com/os', operator: 'In', values: ['zephyr'] }, true],
    ['In: case-sensitive', { key: 'example.com/os', operator: 'In', values: ['Zephyr'] }, false],
    ['In: element of a list label', { key: 'example.com/wasm.version', operator: 'In', values: ['MVP+'] }, true],
    ['In: boolean label', { key: 'example.com/hyper-v', operator: 'In', values: [true] }, true],
    ['In: a pointer is not a label name', { key: '/example.com/os', operator: 'In', values: ['zephyr'] }, false],
    ['NotIn: list label without the value', { key: 'example.com/wasm.version', operator: 'NotIn', values: ['MVP2'] }, true],
    ['Gt: number label', { key: 'example.com/ram-mb', operator: 'Gt', values: [256] }, true],
    ['Gt: numeric string label', { key: 'example.com/level', operator: 'Gt', values: ['5'] }, true],
    ['Lt: numeric string label', { key: 'example.com/level', operator: 'Lt', values: [7] }, false],
    ['Exists', { key: 'example.com/os', operator: 'Exists' }, true],
    ['Exists: missing label', { key: 'example.com/arch', operator: 'Exists' }, false],
    ['DoesNotExist: missing label', { key: 'example.com/arch', operator: 'DoesNotExist' }, true],
    ['ContainsAll: labels hold no objects', { key: 'example.com/wasm.version', operator: 'ContainsAll', itemSelector: { matchExpressions: [{ key: '', operator: 'Exists' }] } }, false],
  ])('%s', (_name, expression, expected) => {
    expect(label(expression)).toBe(expected);
  });

  it('treats a device without labels as having none', () => {
    const rules: EligibilityRule[] = [{ labelSelector: { matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] } }];
    expect(evaluateEligibility(rules, { properties: {} }).eligible).toBe(true);
  });
});

describe('AND within a rule, OR across rules', () => {
  const vendor = (v: string): MatchExpression => ({ key: '/vendor', operator: 'In', values: [v] });
  const os = (v: string): MatchExpression => ({ key: 'example.com/os', operator: 'In', values: [v] });

  it('needs every expression of a selector, and reports each that fails', () => {
    const result = evaluateEligibility([{ propertySelector: { matchExpressions: [vendor('Acme'), vendor('Other'), { key: '/missing', operator: 'Exists' }] } }], device);
    expect(result).toStrictEqual({
      eligible: false,
      matchedRules: [],
      failedRules: [{
        rule: 0,
        failures: [
          { path: 'eligibilityRules[0].propertySelector.matchExpressions[1]', reason: "property /vendor is 'Acme', not In [\"Other\"]" },
          { path: 'eligibilityRules[0].propertySelector.matchExpressions[2]', reason: 'property /missing is missing' },
        ],
      }],
    });
  });

  it('needs both selectors of a rule', () => {
    expect(evaluateEligibility([{ propertySelector: { matchExpressions: [vendor('Acme')] }, labelSelector: { matchExpressions: [os('linux')] } }], device).failedRules).toStrictEqual([
      { rule: 0, failures: [{ path: 'eligibilityRules[0].labelSelector.matchExpressions[0]', reason: "label example.com/os is 'zephyr', not In [\"linux\"]" }] },
    ]);
    expect(evaluateEligibility([{ propertySelector: { matchExpressions: [vendor('Acme')] }, labelSelector: { matchExpressions: [os('zephyr')] } }], device).eligible).toBe(true);
  });

  it('is eligible when any rule matches, still listing the rules that failed', () => {
    const result = evaluateEligibility([
      { propertySelector: { matchExpressions: [vendor('Other')] } },
      { labelSelector: { matchExpressions: [os('zephyr')] } },
      { labelSelector: { matchExpressions: [os('linux')] } },
    ], device);
    expect(result.eligible).toBe(true);
    expect(result.matchedRules).toStrictEqual([1]);
    expect(result.failedRules.map((f) => f.rule)).toStrictEqual([0, 2]);
  });

  it('is not eligible when every rule fails', () => {
    const result = evaluateEligibility([{ propertySelector: { matchExpressions: [vendor('Other')] } }, { labelSelector: { matchExpressions: [os('linux')] } }], device);
    expect(result.eligible).toBe(false);
    expect(result.failedRules.map((f) => f.rule)).toStrictEqual([0, 1]);
  });

  it('has no constraint without rules', () => {
    expect(evaluateEligibility(undefined, device).eligible).toBe(true);
    expect(evaluateEligibility([], device).eligible).toBe(true);
  });

  it.each<[string, MatchExpression, string]>([
    ['Gt', { key: '/cpu/0/cores', operator: 'Gt', values: [8] }, 'property /cpu/0/cores is 4, not greater than 8'],
    ['Lt on text', { key: '/vendor', operator: 'Lt', values: [8] }, "property /vendor is 'Acme', not a number"],
    ['NotIn', { key: '/supportedRuntimes', operator: 'NotIn', values: ['custom'] }, 'property /supportedRuntimes is ["custom"], which is In ["custom"]'],
    ['DoesNotExist', { key: '/vendor', operator: 'DoesNotExist' }, "property /vendor exists ('Acme')"],
    ['In on objects', { key: '/peripherals', operator: 'In', values: ['gpu'] }, 'property /peripherals is [{"type":"camera","manufacturer":"Sony"},{"type":"gpu","manufacturer":"NVIDIA","model":"Orin"}]; In compares strings, numbers and booleans (use ContainsAll or ContainsAny for a list of objects)'],
    ['ContainsAll', {
      key: '/peripherals', operator: 'ContainsAll', itemSelector: { matchExpressions: [{ key: '/type', operator: 'In', values: ['speaker'] }] },
    }, "no element of property /peripherals matches all of its itemSelector expressions (element 0: /type is 'camera', not In [\"speaker\"])"],
    ['ContainsAny on an empty list', { key: '/empty', operator: 'ContainsAny', itemSelector: { matchExpressions: [{ key: '', operator: 'Exists' }] } }, 'no element of property /empty matches any of its itemSelector expressions (the list is empty)'],
  ])('explains a failed %s', (_name, expression, reason) => {
    const result = evaluateEligibility([{ propertySelector: { matchExpressions: [expression] } }], device);
    expect(result.failedRules[0].failures[0].reason).toBe(reason);
  });
});

describe('malformed rules', () => {
  const at = 'eligibilityRules[0].propertySelector.matchExpressions[0]';
  const one = (e: unknown) => [{ propertySelector: { matchExpressions: [e] } }] as unknown as EligibilityRule[];

  it('names the rule and expression index of an unknown operator', () => {
    const rules = [
      { labelSelector: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } },
      { propertySelector: { matchExpressions: [{ key: '/vendor', operator: 'Eq', values: ['Acme'] }] } },
    ] as unknown as EligibilityRule[];
    expect(badInput(() => evaluateEligibility(rules, device))).toBe(
      "eligibilityRules[1].propertySelector.matchExpressions[0].operator: unknown operator 'Eq' (valid: In, NotIn, Exists, DoesNotExist, Gt, Lt, ContainsAll, ContainsAny)",
    );
  });

  it.each<[string, unknown, string]>([
    ['no operator', { key: '/vendor' }, `${at}.operator: required (one of In, NotIn, Exists, DoesNotExist, Gt, Lt, ContainsAll, ContainsAny)`],
    ['In without values', { key: '/vendor', operator: 'In' }, `${at}.values: required for In (one or more strings or numbers, or one boolean)`],
    ['In with empty values', { key: '/vendor', operator: 'In', values: [] }, `${at}.values: In needs one or more strings or numbers, or one boolean, got []`],
    ['NotIn with an object', { key: '/vendor', operator: 'NotIn', values: [{}] }, `${at}.values: NotIn needs one or more strings or numbers, or one boolean, got [{}]`],
    ['In with mixed types', { key: '/vendor', operator: 'In', values: ['a', 1] }, `${at}.values: values must all be of one type, got ["a",1]`],
    ['In with two booleans', { key: '/vendor', operator: 'In', values: [true, false] }, `${at}.values: In takes one boolean, got [true,false]`],
    ['In with values not a list', { key: '/vendor', operator: 'In', values: 'Acme' }, `${at}.values: In needs one or more strings or numbers, or one boolean, got 'Acme'`],
    ['Gt with a non-number', { key: '/cpu/0/cores', operator: 'Gt', values: ['abc'] }, `${at}.values: Gt needs exactly one number, got ["abc"]`],
    ['Lt with two numbers', { key: '/cpu/0/cores', operator: 'Lt', values: [1, 2] }, `${at}.values: Lt needs exactly one number, got [1,2]`],
    ['Gt without values', { key: '/cpu/0/cores', operator: 'Gt' }, `${at}.values: required for Gt (exactly one number)`],
    ['Exists with values', { key: '/vendor', operator: 'Exists', values: ['x'] }, `${at}.values: must be left out for Exists`],
    ['DoesNotExist with values', { key: '/vendor', operator: 'DoesNotExist', values: [] }, `${at}.values: must be left out for DoesNotExist`],
    ['ContainsAll without itemSelector', { key: '/peripherals', operator: 'ContainsAll' }, `${at}.itemSelector: required for ContainsAll (the expressions each list element is matched against)`],
    ['ContainsAny with values', { key: '/peripherals', operator: 'ContainsAny', values: ['gpu'], itemSelector: { matchExpressions: [{ key: '/type', operator: 'Exists' }] } },
      `${at}.values: must be left out for ContainsAny, which matches list elements against itemSelector`],
    ['ContainsAll with an empty itemSelector', { key: '/peripherals', operator: 'ContainsAll', itemSelector: { matchExpressions: [] } }, `${at}.itemSelector.matchExpressions: needs at least one expression`],
    ['itemSelector on In', { key: '/vendor', operator: 'In', values: ['a'], itemSelector: { matchExpressions: [] } }, `${at}.itemSelector: only ContainsAll and ContainsAny take an itemSelector`],
    ['key not a pointer', { key: 'vendor', operator: 'Exists' }, `${at}.key: 'vendor' is not a JSON Pointer: it must be empty or start with '/' (e.g. '/vendor')`],
    ['bad ~ escape', { key: '/a~2', operator: 'Exists' }, `${at}.key: '/a~2' is not a JSON Pointer: '~' must be followed by 0 or 1 ('~0' is '~', '~1' is '/')`],
    ['~ at the end', { key: '/a~', operator: 'Exists' }, `${at}.key: '/a~' is not a JSON Pointer: '~' must be followed by 0 or 1 ('~0' is '~', '~1' is '/')`],
    ['no key', { operator: 'Exists' }, `${at}.key: required (a JSON Pointer such as /vendor)`],
    ['key not a string', { key: 3, operator: 'Exists' }, `${at}.key: expected a string, got 3`],
    ['a typo', { key: '/vendor', operator: 'Exists', value: ['x'] }, `${at}.value: unknown field (fields: key, operator, values, itemSelector)`],
    ['not an object', 'vendor In Acme', `${at}: expected an object, got 'vendor In Acme'`],
  ])('%s', (_name, expression, message) => {
    expect(badInput(() => evaluateEligibility(one(expression), device))).toBe(message);
  });

  it('checks itemSelector expressions with their full path', () => {
    const expression = { key: '/peripherals', operator: 'ContainsAll', itemSelector: { matchExpressions: [{ key: '/type', operator: 'Exists' }, { key: 'type', operator: 'Has' }] } };
    expect(badInput(() => evaluateEligibility(one(expression), device))).toBe([
      `${at}.itemSelector.matchExpressions[1].key: 'type' is not a JSON Pointer: it must be empty or start with '/' (e.g. '/type')`,
      `${at}.itemSelector.matchExpressions[1].operator: unknown operator 'Has' (valid: In, NotIn, Exists, DoesNotExist, Gt, Lt, ContainsAll, ContainsAny)`,
    ].join('\n'));
  });

  it.each<[string, unknown, string]>([
    ['a rule without selectors', [{}], 'eligibilityRules[0]: needs a propertySelector or a labelSelector'],
    ['an empty selector', [{ labelSelector: { matchExpressions: [] } }], 'eligibilityRules[0].labelSelector.matchExpressions: needs at least one expression'],
    ['a selector without expressions', [{ labelSelector: {} }], 'eligibilityRules[0].labelSelector.matchExpressions: required'],
    ['an empty label name', [{ labelSelector: { matchExpressions: [{ key: '', operator: 'Exists' }] } }], 'eligibilityRules[0].labelSelector.matchExpressions[0].key: a label name must not be empty'],
    ['rules not a list', { propertySelector: {} }, 'eligibilityRules: expected a list, got an object'],
    ['a misspelt selector', [{ propertySelectors: {} }], 'eligibilityRules[0].propertySelectors: unknown field (fields: propertySelector, labelSelector)\neligibilityRules[0]: needs a propertySelector or a labelSelector'],
  ])('refuses %s', (_name, rules, message) => {
    expect(badInput(() => evaluateEligibility(rules as EligibilityRule[], device))).toBe(message);
  });

  it('lists every malformed expression in one error, with the issues as data', () => {
    const rules = [
      { propertySelector: { matchExpressions: [{ key: '/a', operator: 'Gt', values: ['x'] }, { key: '/b', operator: 'In' }] } },
      { labelSelector: { matchExpressions: [{ key: 'c', operator: 'Exists', values: [] }] } },
    ] as unknown as EligibilityRule[];
    try {
      evaluateEligibility(rules, device);
      expect.unreachable();
    } catch (error) {
      expect((error as WasmhostError).data).toStrictEqual({
        issues: [
          { path: 'eligibilityRules[0].propertySelector.matchExpressions[0].values', message: 'Gt needs exactly one number, got ["x"]' },
          { path: 'eligibilityRules[0].propertySelector.matchExpressions[1].values', message: 'required for In (one or more strings or numbers, or one boolean)' },
          { path: 'eligibilityRules[1].labelSelector.matchExpressions[0].values', message: 'must be left out for Exists' },
        ],
      });
    }
  });
});
