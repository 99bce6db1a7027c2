// Margo `deviceConstraints.eligibilityRules`, evaluated over a device capabilities document.
// Expressions in a selector AND; a rule with both selectors needs both; rules OR.

import { Issues, isObject, joinPath, show } from './json-check.js';
import { parseJsonPointer, resolveJsonPointer, type Resolved } from './json-pointer.js';
import { numberOf, readEligibilityRules, type OPERATORS } from './eligibility-rules.js';
import type { Labels } from './profile.js';

/** Margo's selector operators. */
export type Operator = (typeof OPERATORS)[number];
/** A value an expression compares with. */
export type SelectorValue = string | number | boolean;

/**
 * One condition. `key` is a JSON Pointer into `properties` (propertySelector), relative to a
 * list element (itemSelector), or a label name (labelSelector). `values` for In/NotIn/Gt/Lt;
 * `itemSelector` for ContainsAll/ContainsAny.
 */
export interface MatchExpression { key: string; operator: Operator; values?: SelectorValue[]; itemSelector?: Selector }
/** Expressions that must all hold (ContainsAny: any of them, per list element). */
export interface Selector { matchExpressions: MatchExpression[] }
/** One alternative placement rule: its selectors must all match. */
export interface EligibilityRule { propertySelector?: Selector; labelSelector?: Selector }

/** The parts of a Margo device capabilities document the rules look at (a DeviceCapabilitiesManifest is one). */
export interface CapabilitiesView { properties: object; labels?: Labels }

/** An expression that did not hold, by its path in the rules, and why. */
export interface ExpressionFailure { path: string; reason: string }
/** A rule that did not match, with every expression that failed. */
export interface RuleFailure { rule: number; failures: ExpressionFailure[] }
/** The outcome: eligible when there are no rules or at least one matched. */
export interface EligibilityResult { eligible: boolean; matchedRules: number[]; failedRules: RuleFailure[] }

/**
 * Evaluates rules over a device. Malformed rules throw `bad-input` naming each bad field
 * (`eligibilityRules[1].propertySelector.matchExpressions[0].operator: unknown operator 'Eq' …`).
 */
export function evaluateEligibility(rules: readonly EligibilityRule[] | undefined, device: CapabilitiesView): EligibilityResult {
  if (rules === undefined) return { eligible: true, matchedRules: [], failedRules: [] };
  const issues = new Issues();
  readEligibilityRules(rules, 'eligibilityRules', issues);
  issues.done();
  const matchedRules: number[] = [];
  const failedRules: RuleFailure[] = [];
  rules.forEach((rule, i) => {
    const at = joinPath('eligibilityRules', i);
    const failures: ExpressionFailure[] = [];
    if (rule.propertySelector) failures.push(...failedExpressions(rule.propertySelector, joinPath(at, 'propertySelector'), propertyLookup(device.properties), (k) => `property ${k}`));
    if (rule.labelSelector) failures.push(...failedExpressions(rule.labelSelector, joinPath(at, 'labelSelector'), labelLookup(device.labels ?? {}), (k) => `label ${k}`));
    if (failures.length) failedRules.push({ rule: i, failures });
    else matchedRules.push(i);
  });
  return { eligible: rules.length === 0 || matchedRules.length > 0, matchedRules, failedRules };
}

type Lookup = (key: string) => Resolved;

function propertyLookup(doc: unknown): Lookup {
  return (key) => {
    const pointer = parseJsonPointer(key); // checked when the rules were read
    return 'tokens' in pointer ? resolveJsonPointer(doc, pointer.tokens) : { found: false };
  };
}

function labelLookup(labels: Labels): Lookup {
  return (key) => (Object.prototype.hasOwnProperty.call(labels, key) ? { found: true, value: labels[key] } : { found: false });
}

function failedExpressions(selector: Selector, path: string, lookup: Lookup, subject: (key: string) => string): ExpressionFailure[] {
  const out: ExpressionFailure[] = [];
  selector.matchExpressions.forEach((e, j) => {
    const reason = failure(e, lookup, subject);
    if (reason) out.push({ path: joinPath(joinPath(path, 'matchExpressions'), j), reason });
  });
  return out;
}

/** Why an expression does not hold, or undefined when it does. */
function failure(e: MatchExpression, lookup: Lookup, subject: (key: string) => string): string | undefined {
  const what = subject(e.key);
  const ref = lookup(e.key);
  if (e.operator === 'DoesNotExist') return ref.found ? `${what} exists (${show(ref.value)})` : undefined;
  if (!ref.found) return `${what} is missing`;
  const v = ref.value;
  switch (e.operator) {
    case 'Exists': return undefined;
    case 'In':
    case 'NotIn': {
      const list = scalarsOf(v);
      if (!list) return `${what} is ${show(v)}; ${e.operator} compares strings, numbers and booleans${isObjectList(v) ? ' (use ContainsAll or ContainsAny for a list of objects)' : ''}`;
      const hit = list.some((x) => e.values!.includes(x));
      if (e.operator === 'In') return hit ? undefined : `${what} is ${show(v)}, not In ${show(e.values)}`;
      return hit ? `${what} is ${show(v)}, which is In ${show(e.values)}` : undefined;
    }
    case 'Gt':
    case 'Lt': {
      const n = numberOf(v);
      const limit = numberOf(e.values![0])!;
      if (n === undefined) return `${what} is ${show(v)}, not a number`;
      const holds = e.operator === 'Gt' ? n > limit : n < limit;
      return holds ? undefined : `${what} is ${show(v)}, not ${e.operator === 'Gt' ? 'greater' : 'less'} than ${limit}`;
    }
    case 'ContainsAll':
    case 'ContainsAny': return containsFailure(e, v, what);
  }
}

function containsFailure(e: MatchExpression, v: unknown, what: string): string | undefined {
  if (!Array.isArray(v) || !v.every(isObject)) return `${what} is ${show(v)}, not a list of objects`;
  const all = e.operator === 'ContainsAll';
  const firstReasons: string[] = [];
  for (const element of v) {
    const lookup = propertyLookup(element);
    const reasons = e.itemSelector!.matchExpressions.map((x) => failure(x, lookup, (k) => k)).filter((r): r is string => r !== undefined);
    const holds = all ? reasons.length === 0 : reasons.length < e.itemSelector!.matchExpressions.length;
    if (holds) return undefined;
    if (firstReasons.length === 0) firstReasons.push(...reasons);
  }
  const quantifier = all ? 'all' : 'any';
  const example = firstReasons.length ? ` (element 0: ${firstReasons.join('; ')})` : '';
  return `no element of ${what} matches ${quantifier} of its itemSelector expressions${v.length ? example : ' (the list is empty)'}`;
}

/** The scalars a value stands for: itself, or the elements of a list of scalars. */
function scalarsOf(v: unknown): SelectorValue[] | undefined {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) return v;
  return undefined;
}

function isObjectList(v: unknown): v is Record<string, unknown>[] {
  return Array.isArray(v) && v.length > 0 && v.every(isObject);
}
