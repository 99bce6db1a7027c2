// Checks Margo eligibility rules before they are evaluated: each malformed field is
// reported with its path (`eligibilityRules[1].propertySelector.matchExpressions[0].operator`).

import { Issues, joinPath, listAt, objectAt, show, unknownFields } from './json-check.js';
import { parseJsonPointer } from './json-pointer.js';
import type { EligibilityRule, MatchExpression, Operator, Selector } from './eligibility.js';

/** Margo's selector operators. */
export const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt', 'ContainsAll', 'ContainsAny'] as const;

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A number, or a string that is one (`"4"`, `"1.5"`); undefined otherwise. */
export function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && NUMERIC.test(v.trim())) return Number(v);
  return undefined;
}

/** What a selector's keys are: JSON Pointers into properties or a list element, or label names. */
type KeyKind = 'pointer' | 'label';

/** Checks a list of rules, adding an issue for each malformed field; returns them typed when all are well-formed. */
export function readEligibilityRules(value: unknown, path: string, issues: Issues): EligibilityRule[] | undefined {
  const before = issues.list.length;
  const list = listAt(value, path, issues);
  list?.forEach((rule, i) => {
    const at = joinPath(path, i);
    const obj = objectAt(rule, at, issues);
    if (!obj) return;
    unknownFields(obj, ['propertySelector', 'labelSelector'], at, issues);
    if (obj.propertySelector === undefined && obj.labelSelector === undefined) issues.add(at, 'needs a propertySelector or a labelSelector');
    if (obj.propertySelector !== undefined) checkSelector(obj.propertySelector, joinPath(at, 'propertySelector'), 'pointer', issues);
    if (obj.labelSelector !== undefined) checkSelector(obj.labelSelector, joinPath(at, 'labelSelector'), 'label', issues);
  });
  return issues.list.length === before ? (list as EligibilityRule[]) : undefined;
}

function checkSelector(value: unknown, path: string, keys: KeyKind, issues: Issues): value is Selector {
  const obj = objectAt(value, path, issues);
  if (!obj) return false;
  unknownFields(obj, ['matchExpressions'], path, issues);
  const at = joinPath(path, 'matchExpressions');
  if (obj.matchExpressions === undefined) return !issues.add(at, 'required');
  const list = listAt(obj.matchExpressions, at, issues);
  if (!list) return false;
  if (list.length === 0) issues.add(at, 'needs at least one expression');
  list.forEach((e, j) => checkExpression(e, joinPath(at, j), keys, issues));
  return true;
}

function checkExpression(value: unknown, path: string, keys: KeyKind, issues: Issues): value is MatchExpression {
  const obj = objectAt(value, path, issues);
  if (!obj) return false;
  unknownFields(obj, ['key', 'operator', 'values', 'itemSelector'], path, issues);
  checkKey(obj.key, joinPath(path, 'key'), keys, issues);
  const op = obj.operator;
  if (op === undefined) return !issues.add(joinPath(path, 'operator'), `required (one of ${OPERATORS.join(', ')})`);
  if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) {
    return !issues.add(joinPath(path, 'operator'), `unknown operator ${show(op)} (valid: ${OPERATORS.join(', ')})`);
  }
  const operator = op as Operator;
  const contains = operator === 'ContainsAll' || operator === 'ContainsAny';
  if (contains) {
    if (obj.values !== undefined) issues.add(joinPath(path, 'values'), `must be left out for ${operator}, which matches list elements against itemSelector`);
    if (obj.itemSelector === undefined) issues.add(joinPath(path, 'itemSelector'), `required for ${operator} (the expressions each list element is matched against)`);
    else checkSelector(obj.itemSelector, joinPath(path, 'itemSelector'), 'pointer', issues);
  } else {
    if (obj.itemSelector !== undefined) issues.add(joinPath(path, 'itemSelector'), 'only ContainsAll and ContainsAny take an itemSelector');
    checkValues(operator, obj.values, joinPath(path, 'values'), issues);
  }
  return true;
}

function checkKey(key: unknown, path: string, keys: KeyKind, issues: Issues): void {
  if (key === undefined) return void issues.add(path, keys === 'label' ? 'required (a label name)' : 'required (a JSON Pointer such as /vendor)');
  if (typeof key !== 'string') return void issues.add(path, `expected a string, got ${show(key)}`);
  if (keys === 'label') {
    if (key === '') issues.add(path, 'a label name must not be empty');
    return;
  }
  const pointer = parseJsonPointer(key);
  if ('error' in pointer) issues.add(path, pointer.error);
}

function checkValues(operator: Operator, values: unknown, path: string, issues: Issues): void {
  if (operator === 'Exists' || operator === 'DoesNotExist') {
    if (values !== undefined) issues.add(path, `must be left out for ${operator}`);
    return;
  }
  const gtLt = operator === 'Gt' || operator === 'Lt';
  const wanted = gtLt ? 'exactly one number' : 'one or more strings or numbers, or one boolean';
  if (values === undefined) return void issues.add(path, `required for ${operator} (${wanted})`);
  if (!Array.isArray(values) || values.length === 0) return void issues.add(path, `${operator} needs ${wanted}, got ${show(values)}`);
  if (gtLt) {
    if (values.length !== 1 || numberOf(values[0]) === undefined) issues.add(path, `${operator} needs ${wanted}, got ${show(values)}`);
    return;
  }
  const types = new Set(values.map((v) => typeof v));
  const scalar = values.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean');
  if (!scalar) issues.add(path, `${operator} needs ${wanted}, got ${show(values)}`);
  else if (types.size > 1) issues.add(path, `values must all be of one type, got ${show(values)}`);
  else if (types.has('boolean') && values.length > 1) issues.add(path, `${operator} takes one boolean, got ${show(values)}`);
}
