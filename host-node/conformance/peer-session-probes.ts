// Peer probes about the connection rather than one request: a QoS 1 request delivered twice
// (PEER-11), the broker's access rule (LNX-7), and the peer coming back after its death with a
// higher seq, answering again (PEER-4, PEER-10).
import { connectAsync } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { decodeBirth, encodeRpcRequest } from '../../src/bridge/codec.js';
import type { BirthFrame } from '../../src/bridge/frames.js';
import { result, type ProbeResult } from '../../src/conformance/report.js';
import { PEER_REQUIREMENTS, type Requirement } from '../../src/conformance/requirements.js';
import { replyId, type PeerProbe, type PeerTarget } from './peer-probes.js';

const req = (id: string): Requirement => PEER_REQUIREMENTS.find((r) => r.id === id)!;

/** The same request published twice with one id: each copy is answered (docs/bridge-protocol.md §6). */
export async function duplicateProbe(probe: PeerProbe, sensor: string | undefined): Promise<ProbeResult> {
  const r = req('PEER-rpc-duplicate');
  const id = probe.nextId++;
  const from = performance.now();
  const frame = Buffer.from(encodeRpcRequest({ id, op: 'read', name: sensor ?? 'conformance-no-such-sensor', reply: probe.topics.reply }));
  await probe.client.publishAsync(probe.topics.rpc, frame, { qos: 1 });
  await probe.client.publishAsync(probe.topics.rpc, frame, { qos: 1, dup: true });
  const replies = () => probe.inbox.filter((m) => m.topic === probe.topics.reply && m.at >= from && replyId(m.payload) === id).length;
  await probe.next(() => replies() >= 2, probe.timeoutMs);
  const n = replies();
  if (n === 2) return result(r, 'PASS', `both copies of request ${id} were answered`);
  return result(r, 'FAIL', n === 0 ? `neither copy of request ${id} was answered within ${probe.timeoutMs} ms` : `${n} replies to two copies of request ${id}`);
}

/** Whether the broker accepts a connection; the refusal's reason when it does not. */
async function accepts(url: string, options: { clientId: string; username: string; password: string; protocolVersion: 4 | 5 }): Promise<boolean | string> {
  try {
    const client = await connectAsync(url, { ...options, reconnectPeriod: 0, connectTimeout: 10_000 });
    await client.endAsync(true);
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}

/** An unknown id, and a client id that is not its username, are refused (LNX-7; bridge-protocol §11). */
export async function brokerAccessProbe(target: PeerTarget, protocolVersion: 4 | 5): Promise<ProbeResult> {
  const r = req('PEER-broker-access');
  const tag = randomBytes(4).toString('hex');
  const unknown = `conformance-unknown-${tag}`;
  const cases = [
    { what: `an unprovisioned id ${unknown}`, options: { clientId: unknown, username: unknown, password: randomBytes(12).toString('hex'), protocolVersion } },
    { what: `client id conformance-a-${tag} with username ${target.peerId}`, options: { clientId: `conformance-a-${tag}`, username: target.peerId, password: randomBytes(12).toString('hex'), protocolVersion } },
  ];
  const refusals: string[] = [];
  for (const c of cases) {
    const outcome = await accepts(target.url, c.options);
    if (outcome === true) return result(r, 'FAIL', `the broker accepted ${c.what}: it must bind each peer id to its own credential, username = client id`);
    refusals.push(`${c.what}: ${outcome}`);
  }
  return result(r, 'PASS', `refused ${refusals.join('; ')}`);
}

/** After the death, the peer comes back (the vendor or the test brings it back) with a higher seq and answers. */
export async function reconnectProbe(probe: PeerProbe, birth: BirthFrame | undefined, will: ProbeResult, disconnect: PeerTarget['disconnect']): Promise<ProbeResult> {
  const r = req('PEER-reconnect');
  if (!birth || will.status !== 'PASS') return result(r, 'SKIP', 'needs the peer cut off and its death seen first (PEER-will)');
  if (!disconnect?.reconnect) return result(r, 'SKIP', 'needs the peer brought back during the probe: run with --will-wait <seconds> and reconnect it when asked');
  const from = performance.now();
  await disconnect.reconnect();
  const again = await probe.next((m) => m.topic === probe.topics.birth && m.at >= from && m.payload.length > 0, disconnect.waitSeconds * 1000);
  if (!again) return result(r, 'FAIL', `no new birth within ${disconnect.waitSeconds} s of bringing the peer back`);
  const decoded = decodeBirth(again.payload, { peer: birth.id });
  if (!decoded.ok) return result(r, 'FAIL', `the new birth does not decode: ${decoded.reason}`);
  if (decoded.frame.seq <= birth.seq) return result(r, 'FAIL', `the new birth carries seq ${decoded.frame.seq}, not above the earlier ${birth.seq}`);
  const sensor = decoded.frame.sensors[0]?.name;
  const answer = await probe.rpcRead(sensor ?? 'conformance-no-such-sensor');
  if (!answer.reply) return result(r, 'FAIL', `back with seq ${decoded.frame.seq}, but no reply to an rpc within ${probe.timeoutMs} ms`);
  return result(r, 'PASS', `back with seq ${decoded.frame.seq} (was ${birth.seq}) after ${Math.round(again.at - from)} ms, answering rpc`);
}
