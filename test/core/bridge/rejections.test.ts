// Every reason a decoder refuses a frame, with its exact message.
import { describe, expect, it } from 'vitest';
import { decodeBirth, decodeDeath, decodeRpcReply, decodeRpcRequest } from '../../../src/bridge/codec.js';
import { writeCbor } from '../../../src/bridge/cbor.js';
import { decodeSenml } from '../../../src/bridge/senml.js';
import { fixture, fromHex } from './fixtures.js';

const reply = 'wasmhost/v1/peers/peer-7/reply';
const m = (entries: Record<string, unknown>): Map<string, unknown> => new Map(Object.entries(entries));
const sensor = (name: string, extra: Record<string, unknown> = {}) => m({ name, unit: 'Cel', kind: 'temperature', ...extra });
const birthMap = (extra: Record<string, unknown> = {}) =>
  m({ v: 1, id: 'peer-7', class: 'embedded-peer', seq: 1, ifaces: [], sensors: [], actuators: [], ...extra });
const birth = (extra: Record<string, unknown>) => writeCbor(birthMap(extra));
const death = (extra: Record<string, unknown>) => writeCbor(m({ v: 1, id: 'peer-7', seq: 1, ...extra }));
const request = (extra: Record<string, unknown>) => writeCbor(m({ v: 1, id: 9, op: 'read', name: 'temperature', reply, ...extra }));
const answer = (extra: Record<string, unknown>) => writeCbor(m({ v: 1, id: 9, ok: true, ...extra }));
const senml = (...records: Map<number | string, unknown>[]) => writeCbor(records);
const rec = (entries: [number | string, unknown][]) => new Map<number | string, unknown>(entries);
/** `map` without `key`, in CBOR. */
const omit = (map: Map<string, unknown>, key: string) => {
  map.delete(key);
  return writeCbor(map);
};
const deathMap = () => m({ v: 1, id: 'peer-7', seq: 42 });
const reason = (result: { ok: boolean; reason?: string }) => (result.ok ? 'accepted' : result.reason);

describe('the CBOR layer, for every decoder', () => {
  const deathBytes = fixture('death');
  const cases: [string, Uint8Array, string][] = [
    ['empty', new Uint8Array(), 'frame is empty'],
    ['oversized', new Uint8Array(4097), 'frame is 4097 bytes, over the 4096-byte limit'],
    ['truncated', deathBytes.subarray(0, deathBytes.length - 1), 'not CBOR: truncated at byte 18'],
    ['ends where an item was due', deathBytes.subarray(0, 14), 'not CBOR: truncated at byte 14'],
    ['trailing byte', Uint8Array.from([...deathBytes, 0]), 'not CBOR: 1 byte after the item'],
    ['trailing bytes', Uint8Array.from([...deathBytes, 0, 0]), 'not CBOR: 2 bytes after the item'],
    ['reserved additional information', fromHex('1c'), 'not CBOR: reserved additional information 28 at byte 0'],
    ['indefinite integer', fromHex('1f'), 'not CBOR: additional information 31 with major type 0 at byte 0'],
    ['lone break', fromHex('ff'), 'not CBOR: unexpected break at byte 0'],
    ['bad UTF-8', fromHex('a2617601626964 62c328'), 'not CBOR: invalid UTF-8 in the text string at byte 7'],
    ['two-byte simple below 32', fromHex('f818'), 'not CBOR: invalid simple value encoding at byte 0'],
    ['huge array length', fromHex('9bffffffffffffffff'), 'not CBOR: truncated at byte 0'],
    ['huge text length', fromHex('a161767affffffff'), 'not CBOR: truncated at byte 3'],
    ['huge map length', fromHex('bb0000000100000000'), 'not CBOR: truncated at byte 0'],
    ['indefinite map', fromHex('bf617601ff'), 'indefinite-length item at byte 0 (only definite lengths are allowed)'],
    ['indefinite text', fromHex('a26176016269647f6170ff'), 'indefinite-length item at byte 7 (only definite lengths are allowed)'],
    ['tag', fromHex('a2617601626964c16170'), 'tag 1 at byte 7 (tags are not allowed)'],
    ['undefined as a value', fromHex('a2617601626964f7'), 'simple value 23 at byte 7 (only false, true and null are allowed)'],
    ['simple value 32', fromHex('f820'), 'simple value 32 at byte 0 (only false, true and null are allowed)'],
    ['deep nesting', fromHex('81'.repeat(17) + '00'), 'nesting deeper than 16 levels at byte 16'],
    ['duplicate key', fromHex('a3617601617602636571 01'.replace(/ /g, '')), 'duplicate map key at byte 4'],
    ['duplicate key spelled longer', fromHex('a2617601 78017601'.replace(/ /g, '')), 'duplicate map key at byte 4'],
  ];
  for (const [name, bytes, expected] of cases) {
    it(`${name}: ${expected}`, () => {
      for (const result of [decodeBirth(bytes), decodeDeath(bytes), decodeRpcRequest(bytes), decodeRpcReply(bytes)]) {
        expect(reason(result)).toBe(expected);
      }
      expect(reason(decodeSenml(bytes, { peer: 'peer-7', now: 0 }))).toBe(expected);
    });
  }
  it('sixteen levels of nesting are fine', () => {
    expect(reason(decodeDeath(fromHex('81'.repeat(16) + '00')))).toBe('top level: expected a map, got an array');
  });
  it('an integer key and an equal float key are duplicates (SenML v = 2 and 2.0)', () => {
    expect(reason(decodeSenml(fromHex('81a3006161 0201 f9400002'.replace(/ /g, '')), { peer: 'p', now: 0 }))).toBe('duplicate map key at byte 7');
  });
});

describe('envelopes', () => {
  const cases: [string, () => { ok: boolean; reason?: string }, string][] = [
    ['top level array', () => decodeDeath(writeCbor([1])), 'top level: expected a map, got an array'],
    ['top level text', () => decodeRpcReply(writeCbor('hi')), 'top level: expected a map, got a text string'],
    ['v missing', () => decodeDeath(omit(deathMap(), 'v')), 'v: missing'],
    ['v text', () => decodeDeath(death({ v: '1' })), 'v: expected an unsigned integer, got a text string'],
    ['v 2', () => decodeDeath(death({ v: 2 })), 'v: unsupported major version 2 (this host speaks 1)'],
    ['v 1.5', () => decodeDeath(death({ v: 1.5 })), 'v: expected an unsigned integer, got a float'],
    ['id missing', () => decodeDeath(omit(deathMap(), 'id')), 'id: missing'],
    ['id number', () => decodeDeath(death({ id: 7 })), 'id: expected a text string, got an unsigned integer'],
    ['id invalid', () => decodeDeath(death({ id: 'peer/7' })), 'id: "peer/7" is not a valid peer id (1–64 characters of A-Z a-z 0-9 _ -)'],
    ['id too long', () => decodeDeath(death({ id: 'p'.repeat(65) })), `id: "${'p'.repeat(37)}..." is not a valid peer id (1–64 characters of A-Z a-z 0-9 _ -)`],
    ['id not the topic\'s', () => decodeDeath(fixture('death'), { peer: 'peer-8' }), 'id: "peer-7" does not match the topic\'s peer "peer-8"'],
    ['seq missing', () => decodeDeath(omit(deathMap(), 'seq')), 'seq: missing'],
    ['seq negative', () => decodeDeath(death({ seq: -1 })), 'seq: expected an unsigned integer, got a negative integer'],
    ['seq float', () => decodeDeath(death({ seq: 1.5 })), 'seq: expected an unsigned integer, got a float'],
    ['seq NaN', () => decodeDeath(death({ seq: NaN })), 'seq: expected an unsigned integer, got NaN'],
    ['seq over 32 bits', () => decodeDeath(death({ seq: 2 ** 32 })), 'seq: 4294967296 is over the limit of 4294967295'],
    ['seq over 64 bits', () => decodeDeath(fromHex('a3617601626964' + '66706565722d37' + '63736571' + '1bffffffffffffffff')), 'seq: 18446744073709552000 is over the limit of 4294967295'],
    ['seq null', () => decodeDeath(death({ seq: null })), 'seq: expected an unsigned integer, got null'],
  ];
  for (const [name, run, expected] of cases) it(`${name}: ${expected}`, () => expect(reason(run())).toBe(expected));
});

describe('birth', () => {
  const many = (n: number) => Array.from({ length: n }, () => 0);
  const cases: [string, Uint8Array, string][] = [
    ['class missing', omit(birthMap(), 'class'), 'class: missing'],
    ['class invalid', birth({ class: 'embedded peer' }), 'class: "embedded peer" is not a valid name (1–64 characters of A-Z a-z 0-9 _ . -)'],
    ['ifaces not an array', birth({ ifaces: m({}) }), 'ifaces: expected an array, got a map'],
    ['ifaces null', birth({ ifaces: null }), 'ifaces: expected an array, got null'],
    ['ifaces too many', birth({ ifaces: many(65) }), 'ifaces: 65 entries, over the limit of 64'],
    ['iface not a map', birth({ ifaces: ['wasmhost:device/sensors'] }), 'ifaces[0]: expected a map, got a text string'],
    ['iface name', birth({ ifaces: [m({ name: 'sensors', version: '0.1.0' })] }), 'ifaces[0].name: "sensors" is not a WIT interface name (namespace:package/interface)'],
    ['iface version', birth({ ifaces: [m({ name: 'a:b/c', version: '1.0' })] }), 'ifaces[0].version: "1.0" is not a version (major.minor.patch[-pre])'],
    ['iface version missing', birth({ ifaces: [m({ name: 'a:b/c' })] }), 'ifaces[0].version: missing'],
    ['too many sensors', birth({ sensors: many(257) }), 'sensors: 257 entries, over the limit of 256'],
    ['too many actuators', birth({ actuators: many(257) }), 'actuators: 257 entries, over the limit of 256'],
    ['sensor not a map', birth({ sensors: [[]] }), 'sensors[0]: expected a map, got an array'],
    ['sensor name invalid', birth({ sensors: [sensor('a b')] }), 'sensors[0].name: "a b" is not a valid name (1–64 characters of A-Z a-z 0-9 _ . -)'],
    ['sensor name empty', birth({ sensors: [sensor('')] }), 'sensors[0].name: "" is not a valid name (1–64 characters of A-Z a-z 0-9 _ . -)'],
    ['sensor unit invalid', birth({ sensors: [sensor('t', { unit: 'deg C' })] }), 'sensors[0].unit: "deg C" is not a valid unit (0–32 printable ASCII characters, no space)'],
    ['sensor unit number', birth({ sensors: [sensor('t', { unit: 1 })] }), 'sensors[0].unit: expected a text string, got an unsigned integer'],
    ['sensor kind missing', birth({ sensors: [m({ name: 't', unit: '' })] }), 'sensors[0].kind: missing'],
    ['duplicate sensor', birth({ sensors: [sensor('t'), sensor('t')] }), 'sensors[1].name: duplicate name "t"'],
    ['sensor and actuator share a name', birth({ sensors: [sensor('t')], actuators: [sensor('t')] }), 'actuators[0].name: duplicate name "t"'],
    ['min above max', birth({ actuators: [sensor('r', { min: 5, max: 1 })] }), 'actuators[0]: min 5 is greater than max 1'],
    ['min NaN', birth({ actuators: [sensor('r', { min: NaN })] }), 'actuators[0].min: expected a finite number, got NaN'],
    ['max infinite', birth({ actuators: [sensor('r', { max: Infinity })] }), 'actuators[0].max: expected a finite number, got Infinity'],
    ['max text', birth({ actuators: [sensor('r', { max: '1' })] }), 'actuators[0].max: expected a number, got a text string'],
  ];
  for (const [name, bytes, expected] of cases) it(`${name}: ${expected}`, () => expect(reason(decodeBirth(bytes))).toBe(expected));
});

describe('rpc requests', () => {
  const cases: [string, Uint8Array, string, { id: number; reply: string } | undefined][] = [
    ['unknown op', request({ op: 'reboot' }), 'op: unknown op "reboot"', { id: 9, reply }],
    ['op missing', writeCbor(m({ v: 1, id: 9, name: 'x', reply })), 'op: missing', { id: 9, reply }],
    ['set without value', request({ op: 'set' }), 'value: missing (required for set)', { id: 9, reply }],
    ['set with NaN', request({ op: 'set', value: NaN }), 'value: expected a finite number, got NaN', { id: 9, reply }],
    ['set with text', request({ op: 'set', value: 'on' }), 'value: expected a number, got a text string', { id: 9, reply }],
    ['name invalid', request({ name: 'x/y' }), 'name: "x/y" is not a valid name (1–64 characters of A-Z a-z 0-9 _ . -)', { id: 9, reply }],
    ['v 2, still answerable', request({ v: 2 }), 'v: unsupported major version 2 (this host speaks 1)', { id: 9, reply }],
    ['reply with a wildcard', request({ reply: 'a/+/reply' }), 'reply: "a/+/reply" is not a topic to publish to (must not contain +, # or NUL)', undefined],
    ['reply empty', request({ reply: '' }), 'reply: "" is not a topic to publish to (must be 1–256 bytes)', undefined],
    ['reply missing', writeCbor(m({ v: 1, id: 9, op: 'read', name: 'x' })), 'reply: missing', undefined],
    ['id over 32 bits', request({ id: 2 ** 32 }), 'id: 4294967296 is over the limit of 4294967295', undefined],
    ['id text', request({ id: '9' }), 'id: expected an unsigned integer, got a text string', undefined],
  ];
  for (const [name, bytes, expected, replyTo] of cases) {
    it(`${name}: ${expected}`, () => {
      const result = decodeRpcRequest(bytes);
      expect(result).toEqual(replyTo ? { ok: false, reason: expected, replyTo } : { ok: false, reason: expected });
    });
  }
});

describe('rpc replies', () => {
  const cases: [string, Uint8Array, string][] = [
    ['ok missing', writeCbor(m({ v: 1, id: 9 })), 'ok: missing'],
    ['ok number', answer({ ok: 1 }), 'ok: expected true or false, got an unsigned integer'],
    ['err missing', answer({ ok: false }), 'err: missing'],
    ['err unknown', answer({ ok: false, err: 'busy' }), 'err: unknown error code "busy"'],
    ['msg number', answer({ ok: false, err: 'unavailable', msg: 3 }), 'msg: expected a text string, got an unsigned integer'],
    ['msg too long', answer({ ok: false, err: 'unavailable', msg: 'é'.repeat(150) }), 'msg: 300 bytes, over the limit of 256'],
    ['value NaN', answer({ value: NaN }), 'value: expected a finite number, got NaN'],
    ['value -Infinity', answer({ value: -Infinity }), 'value: expected a finite number, got -Infinity'],
    ['value bytes', answer({ value: new Uint8Array(2) }), 'value: expected a number, got a byte string'],
    ['unit invalid', answer({ value: 1, unit: 'a b' }), 'unit: "a b" is not a valid unit (0–32 printable ASCII characters, no space)'],
    ['t float', answer({ t: 1.5 }), 't: expected an unsigned integer, got a float'],
    ['t beyond 2^53', answer({ t: 2 ** 53 }), 't: 9007199254740992 is over the limit of 9007199254740991'],
  ];
  for (const [name, bytes, expected] of cases) it(`${name}: ${expected}`, () => expect(reason(decodeRpcReply(bytes))).toBe(expected));
});

describe('SenML', () => {
  const ctx = { peer: 'peer-7', now: 1764028800000 };
  const n = (name: string, ...rest: [number | string, unknown][]) => rec([[0, name], ...rest]);
  const cases: [string, Uint8Array, string][] = [
    ['not an array', writeCbor(m({ n: 'x' })), 'top level: expected an array, got a map'],
    ['too many records', writeCbor(Array.from({ length: 257 }, () => 0)), '257 records, over the limit of 256'],
    ['record not a map', writeCbor([1]), '[0]: expected a map, got an unsigned integer'],
    ['no name', senml(rec([[2, 1]])), '[0].n: missing (and no bn before it)'],
    ['name invalid', senml(n('a b', [2, 1])), '[0].n: "a b" is not a valid name (1–64 characters of A-Z a-z 0-9 _ . -)'],
    ['name number', senml(rec([[0, 5], [2, 1]])), '[0].n: expected a text string, got an unsigned integer'],
    ['bn of another peer', senml(rec([[-2, 'peer-8/'], [0, 'x'], [2, 1]])), '[0]: name "peer-8/x" is not under "peer-7/"'],
    ['bn + n not a sensor name', senml(rec([[-2, 'peer-7/'], [0, 'a/b'], [2, 1]])), '[0]: name "peer-7/a/b": "a/b" is not a valid name (1–64 characters of A-Z a-z 0-9 _ . -)'],
    ['bn alone is the peer', senml(rec([[-2, 'peer-7/'], [2, 1]])), '[0]: name "peer-7/": "" is not a valid name (1–64 characters of A-Z a-z 0-9 _ . -)'],
    ['no value', senml(n('x')), '[0]: no value (one of v, vs, vb)'],
    ['two values', senml(n('x', [2, 1], [4, true])), '[0]: more than one value (v, vb)'],
    ['data value', senml(n('x', [8, new Uint8Array(1)])), '[0].vd: data values are not supported'],
    ['must-understand field', senml(n('x', [2, 1], ['rt_', 1])), '[0]: must-understand field "rt_" is not supported'],
    ['bver 11', senml(n('x', [-1, 11], [2, 1])), '[0].bver: SenML version 11 is not supported (up to 10)'],
    ['bver text', senml(n('x', [-1, '10'], [2, 1])), '[0].bver: expected an unsigned integer, got a text string'],
    ['v NaN', fromHex('81a2006178 02f97e00'.replace(/ /g, '')), '[0].v: expected a finite number, got NaN'],
    ['v text', senml(n('x', [2, '1'])), '[0].v: expected a number, got a text string'],
    ['vs number', senml(n('x', [3, 1])), '[0].vs: expected a text string, got an unsigned integer'],
    ['vs too long', senml(n('x', [3, 'x'.repeat(257)])), '[0].vs: 257 bytes, over the limit of 256'],
    ['vb number', senml(n('x', [4, 1])), '[0].vb: expected true or false, got an unsigned integer'],
    ['u invalid', senml(n('x', [1, 'a b'], [2, 1])), '[0].u: "a b" is not a valid unit (0–32 printable ASCII characters, no space)'],
    ['bu number', senml(n('x', [-4, 1], [2, 1])), '[0].bu: expected a text string, got an unsigned integer'],
    ['t NaN', senml(n('x', [2, 1], [6, NaN])), '[0].t: expected a finite number, got NaN'],
    ['bt infinite', senml(n('x', [-3, -Infinity], [2, 1])), '[0].bt: expected a finite number, got -Infinity'],
    ['time overflows', senml(n('x', [-3, 1e308], [2, 1], [6, 1e308])), '[0].t: the resolved time is not a finite number'],
    ['bv NaN', senml(n('x', [-5, NaN], [2, 1])), '[0].bv: expected a finite number, got NaN'],
    ['second record bad', senml(n('x', [2, 1]), n('y')), '[1]: no value (one of v, vs, vb)'],
  ];
  for (const [name, bytes, expected] of cases) it(`${name}: ${expected}`, () => expect(reason(decodeSenml(bytes, ctx))).toBe(expected));

  it('bv adds to v; base fields carry to later records; an empty pack is no records', () => {
    expect(decodeSenml(senml(rec([[-5, 20], [-4, 'Cel'], [0, 'a'], [2, 1.5]]), n('b', [2, -1])), ctx)).toEqual({
      ok: true,
      frame: [
        { name: 'peer-7/a', unit: 'Cel', value: 21.5, time: ctx.now },
        { name: 'peer-7/b', unit: 'Cel', value: 19, time: ctx.now },
      ],
    });
    expect(decodeSenml(writeCbor([]), ctx)).toEqual({ ok: true, frame: [] });
  });
});
