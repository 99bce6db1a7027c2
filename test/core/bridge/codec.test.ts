import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeBirth, decodeDeath, decodeRpcReply, decodeRpcRequest, encodeBirth, encodeDeath, encodeRpcReply, encodeRpcRequest,
} from '../../../src/bridge/codec.js';
import { decodeSenml, encodeSenml } from '../../../src/bridge/senml.js';
import type { BirthFrame, RpcReplyFrame, RpcRequestFrame, SenmlRecord } from '../../../src/bridge/frames.js';
import { badInput } from '../../support/bad-input.js';
import { fixture, fixtureHex, fixtureNames, toHex } from './fixtures.js';

const reply = 'wasmhost/v1/peers/peer-7/reply';
const birth: BirthFrame = {
  id: 'peer-7', class: 'embedded-peer', seq: 42,
  ifaces: [{ name: 'wasmhost:device/sensors', version: '0.1.0' }],
  sensors: [{ name: 'temperature', unit: 'Cel', kind: 'temperature' }, { name: 'humidity', unit: '%RH', kind: 'humidity' }],
  actuators: [{ name: 'relay', unit: '', kind: 'relay', min: 0, max: 1 }],
};
const rpcRead: RpcRequestFrame = { id: 16, op: 'read', name: 'temperature', reply };
const rpcSet: RpcRequestFrame = { id: 17, op: 'set', name: 'relay', value: 1, reply };
const replyRead: RpcReplyFrame = { id: 16, ok: true, value: 21.5, unit: 'Cel', t: 1764028800123 };
const replySet: RpcReplyFrame = { id: 17, ok: true };
const replyError: RpcReplyFrame = { id: 18, ok: false, err: 'not-found', msg: 'no sensor or actuator named pressure' };

describe('golden frames, both ways', () => {
  const cases: [string, () => Uint8Array, (bytes: Uint8Array) => unknown, unknown][] = [
    ['birth', () => encodeBirth(birth), (b) => decodeBirth(b, { peer: 'peer-7' }), birth],
    ['death', () => encodeDeath({ id: 'peer-7', seq: 42 }), (b) => decodeDeath(b, { peer: 'peer-7' }), { id: 'peer-7', seq: 42 }],
    ['rpc-read', () => encodeRpcRequest(rpcRead), decodeRpcRequest, rpcRead],
    ['rpc-set', () => encodeRpcRequest(rpcSet), decodeRpcRequest, rpcSet],
    ['reply-read', () => encodeRpcReply(replyRead), decodeRpcReply, replyRead],
    ['reply-set', () => encodeRpcReply(replySet), decodeRpcReply, replySet],
    ['reply-error', () => encodeRpcReply(replyError), decodeRpcReply, replyError],
  ];
  for (const [name, encode, decode, frame] of cases) {
    it(`${name}: encodes to the fixture and decodes back`, () => {
      expect(toHex(encode())).toBe(fixtureHex(name));
      expect(decode(fixture(name))).toEqual({ ok: true, frame });
    });
  }

  it('senml: encodes to the fixture and decodes to records named under the peer', () => {
    const records = [
      { name: 'temperature', unit: 'Cel', value: 21.5, time: 1764028800000 },
      { name: 'humidity', unit: '%RH', value: 40, time: 1764028801500 },
      { name: 'door', boolValue: true, time: 1764028801500 },
    ];
    expect(toHex(encodeSenml(records))).toBe(fixtureHex('senml'));
    const decoded: SenmlRecord[] = records.map((r) => ({ ...r, name: `peer-7/${r.name}` }));
    expect(decodeSenml(fixture('senml'), { peer: 'peer-7', now: 0 })).toEqual({ ok: true, frame: decoded });
  });
});

describe('frames written by other encoders', () => {
  it('a C-style birth: keys in any order, float32 limits, absent lists empty, unknown keys ignored', () => {
    expect(decodeBirth(fixture('birth-c-peer'))).toEqual({
      ok: true,
      frame: {
        id: 'peer-7', class: 'embedded-peer', seq: 300, ifaces: [], sensors: [],
        actuators: [{ name: 'lamp', unit: '%', kind: 'dimmer', min: 0, max: 100 }],
      },
    });
  });

  it('a read answer with a float32 value and a 64-bit t', () => {
    expect(decodeRpcReply(fixture('reply-c-peer'))).toEqual({ ok: true, frame: { id: 16, ok: true, value: 21.5, t: 1764028800123 } });
  });

  it('a set with a half-precision value', () => {
    expect(decodeRpcRequest(fixture('rpc-set-float16'))).toEqual({ ok: true, frame: { id: 212, op: 'set', name: 'relay', value: 1, reply } });
  });

  it('SenML with base fields, version 10, negative and relative times; ut and text labels ignored', () => {
    const now = 1764030000000;
    expect(decodeSenml(fixture('senml-base'), { peer: 'peer-7', now })).toEqual({
      ok: true,
      frame: [
        { name: 'peer-7/t1', unit: 'Cel', value: 21.5, time: 1764028800000 },
        { name: 'peer-7/t2', unit: 'Cel', value: 22, time: 1764028795000 },
        { name: 'peer-7/room.door', unit: 'Cel', boolValue: false, time: now },
        { name: 'peer-7/room.label', unit: 'Cel', stringValue: 'hello', time: now },
      ],
    });
  });
});

describe('encoders hold frames to the decoders\' rules', () => {
  it('refuses what no receiver would accept, with the decoder\'s reason', () => {
    expect(badInput(() => encodeDeath({ id: 'peer 7', seq: 1 })))
      .toBe('cannot encode this death frame: id: "peer 7" is not a valid peer id (1–64 characters of A-Z a-z 0-9 _ -)');
    expect(badInput(() => encodeRpcRequest({ ...rpcSet, value: NaN } as RpcRequestFrame)))
      .toBe('cannot encode this rpc request frame: value: expected a finite number, got NaN');
    expect(badInput(() => encodeBirth({ ...birth, sensors: [...birth.sensors, birth.sensors[0]] })))
      .toBe('cannot encode this birth frame: sensors[2].name: duplicate name "temperature"');
    expect(badInput(() => encodeRpcReply({ id: 1, ok: false, err: 'gone' as 'not-found', msg: '' })))
      .toBe('cannot encode this rpc reply frame: err: unknown error code "gone"');
    expect(badInput(() => encodeSenml([{ name: 'a', value: 1, time: 5000 }])))
      .toBe('cannot encode this SenML pack: [0]: time 5000 is not an absolute time in ms since the epoch');
    expect(badInput(() => encodeSenml([{ name: 'a', value: 1, stringValue: 'x' }])))
      .toBe('cannot encode this SenML pack: [0]: more than one value (v, vs)');
  });

  it('writes integers beyond 32 bits as CBOR integers and round-trips the largest t', () => {
    const bytes = encodeRpcReply({ id: 0xffff_ffff, ok: true, t: Number.MAX_SAFE_INTEGER });
    expect(toHex(bytes)).toContain('1a' + 'ffffffff');
    expect(toHex(bytes)).toContain('1b001fffffffffffff');
    expect(decodeRpcReply(bytes)).toEqual({ ok: true, frame: { id: 0xffff_ffff, ok: true, t: Number.MAX_SAFE_INTEGER } });
  });

  it('writes rpc requests of at most 370 bytes, as the doc promises', () => {
    const longest = { id: 0xffff_ffff, name: 'n'.repeat(64), reply: 'r'.repeat(256) };
    expect(encodeRpcRequest({ ...longest, op: 'set', value: 0.1 }).length).toBe(370);
    expect(encodeRpcRequest({ ...longest, op: 'read' }).length).toBe(356);
  });

  it('encodes SenML without times as records the host stamps with now', () => {
    const bytes = encodeSenml([{ name: 'x', value: 1 }, { name: 'y', stringValue: 'on', time: 1764028800250 }]);
    expect(decodeSenml(bytes, { peer: 'p', now: 1000 })).toEqual({
      ok: true,
      frame: [{ name: 'p/x', value: 1, time: 1000 }, { name: 'p/y', stringValue: 'on', time: 1764028800250 }],
    });
  });
});

describe('inputs as MQTT clients hand them over', () => {
  it('decodes a Buffer that is a slice of a larger pooled buffer', () => {
    const pooled = Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.from(fixture('death')), Buffer.from([0xff])]);
    const slice = pooled.subarray(2, pooled.length - 1);
    expect(decodeDeath(slice)).toEqual({ ok: true, frame: { id: 'peer-7', seq: 42 } });
    expect(Object.keys(slice)).not.toContain('dataView'); // the caller's bytes are left alone
  });
});

describe('docs/bridge-protocol.md', () => {
  it('shows the hex of every golden frame', () => {
    const doc = readFileSync(new URL('../../../docs/bridge-protocol.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```hex\n([\s\S]*?)```/g)].map((m) => m[1].replace(/\s+/g, ''));
    for (const name of fixtureNames()) expect(blocks, name).toContain(fixtureHex(name));
  });

  it("points vendors at nothing inside the host's source", () => {
    const doc = readFileSync(new URL('../../../docs/bridge-protocol.md', import.meta.url), 'utf8');
    expect(doc.match(/\bsrc\/|host-node\/|\.test\.ts|\bdecode[A-Z]\w*|mosquittoAcl/g)).toBeNull();
  });
});
