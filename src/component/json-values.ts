// Component values as JSON, for `--json` mode. The mapping follows the WIT type, so that
// every value has exactly one JSON form and reads back to itself:
//
//   bool                   true / false
//   s8 … u32               number
//   s64, u64               number when it is a safe integer (|n| ≤ 2^53 - 1), else a decimal string;
//                          input accepts either form for every integer type
//   f32, f64               number; NaN and infinities as the strings "nan", "inf", "-inf"
//                          (-0 is the number -0, which JSON text writes as 0)
//   char, string           string (a char is exactly one Unicode scalar value)
//   list<T>, tuple<…>      array (list<u8> too: an array of numbers)
//   record                 object keyed by the WIT field names (kebab-case); a none option field
//                          is null, and may be left out on input
//   variant                "case" for a case without payload, {"case": payload} otherwise
//                          (input also accepts {"case": null} for a case without payload)
//   enum                   "case"
//   flags                  array of the names of the set flags, in WIT order
//   option<T>              null for none; some(x) is x itself, unless T is an option too, then
//                          {"some": x}: option<option<u8>> is null | {"some": null} | {"some": 1}
//   result<T, E>           {"ok": v} or {"err": e}; null payload when the case has none
//                          (input also accepts "ok" / "err" then)
//   own/borrow resources   written as "<resource name>"; cannot be read from JSON
//
// Values inside the host are jco's JavaScript representation (see jco-values.ts).

import { withArticle } from '../article.js';
import type { WitPrimitive, WitType } from './wit-types.js';
import * as jco from './jco-values.js';
import { badInput, describeJs, describeType, isBigIntType, type ValuePath } from './value-types.js';

type Of<K extends WitType['kind']> = Extract<WitType, { kind: K }>;

/** Converts a JSON value (already parsed) of the given WIT type into jco's representation. */
export function valueFromJson(json: unknown, type: WitType): unknown {
  return fromJson(json, type, []);
}

/** Converts a value in jco's representation into its JSON form (see the mapping above). */
export function valueToJson(value: unknown, type: WitType): unknown {
  return toJson(value, type, []);
}

function mismatch(path: ValuePath, type: WitType, json: unknown, note = ''): Error {
  return badInput(path, `expected ${describeType(type)}, got ${describeJson(json)}${note}`);
}

function describeJson(json: unknown): string {
  return Array.isArray(json) ? `array of ${json.length}` : describeJs(json);
}

function isObject(json: unknown): json is Record<string, unknown> {
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}

/** The one key of a `{"case": payload}` object, or undefined when the value is not such an object. */
function singleKey(json: unknown): string | undefined {
  if (!isObject(json)) return undefined;
  const keys = Object.keys(json);
  return keys.length === 1 ? keys[0] : undefined;
}

function fromJson(json: unknown, type: WitType, path: ValuePath): unknown {
  switch (type.kind) {
    case 'primitive': return primitiveFromJson(json, type.name, path);
    case 'list': {
      if (!Array.isArray(json)) throw mismatch(path, type, json);
      const items = jco.readList(json, type, path);
      return jco.makeList(type.element, Array.from(items, (v, i) => fromJson(v, type.element, [...path, { index: i }])));
    }
    case 'tuple': return jco.readTuple(json, type, path).map((v, i) => fromJson(v, type.types[i], [...path, { index: i }]));
    case 'record': return recordFromJson(json, type, path);
    case 'variant': {
      const name = typeof json === 'string' ? json : singleKey(json);
      const wcase = type.cases.find((c) => c.name === name);
      if (name === undefined) throw mismatch(path, type, json, ' (need "case" or {"case": payload})');
      if (!wcase) throw badInput(path, `unknown case '${name}' for ${describeType(type)} (valid: ${type.cases.map((c) => c.name).join(', ')})`);
      const payload = typeof json === 'string' ? undefined : (json as Record<string, unknown>)[name];
      if (wcase.type && typeof json === 'string') throw badInput(path, `case '${name}' needs a payload: {"${name}": …}`);
      if (!wcase.type && payload !== undefined && payload !== null) throw badInput(path, `case '${name}' takes no payload`);
      return jco.makeVariant(wcase, wcase.type && fromJson(payload, wcase.type, [...path, { case: name }]));
    }
    case 'enum': return jco.readEnum(json, type, path);
    case 'flags': {
      if (!Array.isArray(json)) throw mismatch(path, type, json, ' (need an array of flag names)');
      const set = new Set<string>();
      for (const name of json) {
        if (typeof name !== 'string' || !type.flags.includes(name)) {
          throw badInput(path, `unknown flag ${JSON.stringify(name)} for ${describeType(type)} (valid: ${type.flags.join(', ')})`);
        }
        if (set.has(name)) throw badInput(path, `duplicate flag '${name}'`);
        set.add(name);
      }
      return jco.makeFlags(type, set);
    }
    case 'option': {
      if (json === null || json === undefined) return jco.makeOption(type, false);
      if (type.type.kind !== 'option') return jco.makeOption(type, true, fromJson(json, type.type, path));
      if (singleKey(json) !== 'some') throw mismatch(path, type, json, ' (need null or {"some": …})');
      return jco.makeOption(type, true, fromJson((json as Record<string, unknown>).some, type.type, path));
    }
    case 'result': {
      const tag = typeof json === 'string' ? json : singleKey(json);
      if (tag !== 'ok' && tag !== 'err') throw mismatch(path, type, json, ' (need {"ok": …} or {"err": …})');
      const payloadType = tag === 'ok' ? type.ok : type.err;
      const payload = typeof json === 'string' ? undefined : (json as Record<string, unknown>)[tag];
      if (!payloadType && payload !== undefined && payload !== null) throw badInput(path, `'${tag}' takes no payload (use null)`);
      if (payloadType && typeof json === 'string') throw badInput(path, `'${tag}' needs a payload: {"${tag}": …}`);
      return jco.makeResult(tag === 'ok', payloadType && fromJson(payload, payloadType, [...path, { case: tag }]));
    }
    default: throw badInput(path, `${withArticle(describeType(type))} value cannot be given as JSON`);
  }
}

function primitiveFromJson(json: unknown, name: WitPrimitive, path: ValuePath): unknown {
  const type: WitType = { kind: 'primitive', name };
  switch (name) {
    case 'bool': return jco.readBool(json, path);
    case 'char': return jco.readChar(json, path);
    case 'string': return jco.readString(json, path);
    case 'f32': case 'f64': {
      const special: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };
      if (typeof json === 'string' && json in special) return special[json];
      return jco.readFloat(json, name, path);
    }
    default: {
      if (typeof json === 'string' && !/^-?[0-9]+$/.test(json)) throw mismatch(path, type, json, ' (not a decimal integer)');
      if (typeof json === 'number' && isBigIntType(name) && !Number.isSafeInteger(json)) {
        throw mismatch(path, type, json, ' (not a safe integer: write large values as strings)');
      }
      return jco.makeInt(jco.readInt(typeof json === 'string' ? BigInt(json) : json, name, path), name);
    }
  }
}

function recordFromJson(json: unknown, type: Of<'record'>, path: ValuePath): unknown {
  if (!isObject(json)) throw mismatch(path, type, json);
  const names = type.fields.map((f) => f.name);
  const unknown = Object.keys(json).find((k) => !names.includes(k));
  if (unknown !== undefined) throw badInput(path, `unknown field '${unknown}' for ${describeType(type)} (valid: ${names.join(', ')})`);
  return jco.makeRecord(type, type.fields.map((field) => {
    const value = json[field.name];
    if (value === undefined && field.type.kind !== 'option') {
      throw badInput(path, `missing field '${field.name}' (${describeType(field.type)}) of ${describeType(type)}`);
    }
    return fromJson(value, field.type, [...path, { field: field.name }]);
  }));
}

function toJson(value: unknown, type: WitType, path: ValuePath): unknown {
  switch (type.kind) {
    case 'primitive': return primitiveToJson(value, type.name, path);
    case 'list': return Array.from(jco.readList(value, type, path), (v, i) => toJson(v, type.element, [...path, { index: i }]));
    case 'tuple': return jco.readTuple(value, type, path).map((v, i) => toJson(v, type.types[i], [...path, { index: i }]));
    case 'record': {
      const values = jco.readRecord(value, type, path);
      const out: Record<string, unknown> = {};
      type.fields.forEach((field, i) => { out[field.name] = toJson(values[i], field.type, [...path, { field: field.name }]); });
      return out;
    }
    case 'variant': {
      const { case: wcase, val } = jco.readVariant(value, type, path);
      return wcase.type ? { [wcase.name]: toJson(val, wcase.type, [...path, { case: wcase.name }]) } : wcase.name;
    }
    case 'enum': return jco.readEnum(value, type, path);
    case 'flags': return jco.readFlags(value, type, path);
    case 'option': {
      const option = jco.readOption(value, type, path);
      if (!option.some) return null;
      const inner = toJson(option.val, type.type, path);
      return type.type.kind === 'option' ? { some: inner } : inner;
    }
    case 'result': {
      const { ok, val } = jco.readResult(value, type, path);
      const tag = ok ? 'ok' : 'err';
      const payloadType = ok ? type.ok : type.err;
      return { [tag]: payloadType ? toJson(val, payloadType, [...path, { case: tag }]) : null };
    }
    case 'own': case 'borrow': return `<resource ${type.resource}>`;
    default: return `<${describeType(type)}>`;
  }
}

function primitiveToJson(value: unknown, name: WitPrimitive, path: ValuePath): unknown {
  switch (name) {
    case 'bool': return jco.readBool(value, path);
    case 'char': return jco.readChar(value, path);
    case 'string': return jco.readString(value, path);
    case 'f32': case 'f64': {
      const n = jco.readFloat(value, name, path);
      return Number.isNaN(n) ? 'nan' : n === Infinity ? 'inf' : n === -Infinity ? '-inf' : n;
    }
    default: {
      const big = jco.readInt(value, name, path);
      const n = Number(big);
      return Number.isSafeInteger(n) ? n : big.toString();
    }
  }
}
