#!/usr/bin/env node
// Simulates N embedded peers speaking the wasmhost bridge protocol v1
// (docs/bridge-protocol.md), each with a `temperature` sensor (Cel) and an on/off
// `relay` actuator (0..1), each on its own MQTT connection. The simulator itself is
// host-node/peer-sim.ts (also `wasmhost peer-sim`); this script runs its build in dist/
// (`npm run build`).
//
//   node examples/peer-sim/peer-sim.mjs --url mqtt://127.0.0.1:1883 --count N
//        [--root wasmhost/v1] [--rate hz] [--prefix sim] [--password P | --password-file F]
//        [--mqtt 4|5] [--verbose]
//
// Peer ids are `<prefix>-1` … `<prefix>-N`. Each peer connects with its death as
// Last Will, publishes its retained birth, answers `read`/`set` on its rpc topic
// (MQTT 5 Response Topic + Correlation Data when present, else the envelope's
// `reply`), and publishes a SenML CBOR pack `--rate` times a second (default 1,
// 0 for none). With --password (or --password-file, one secret or `<id> <secret>` lines, as
// `wasmhost peer add` prints them) each peer logs in with username = client id = its id.
// SIGTERM/SIGINT: every peer publishes its death, then exit 0.
//
// stdout: `birth <id> seq=<n>` per peer, `ready <N>` once all births are
// acknowledged, then one line per rpc (`rpc <id> read temperature -> 21.50`,
// `<id> relay=1`). Data publishes are printed only with --verbose.
import { peerSimMain } from '../../dist/host-node/cli/peer-sim.js';

peerSimMain(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    const message = String(error?.message ?? error);
    process.stderr.write(`${message.startsWith('peer-sim:') ? '' : 'peer-sim: '}${message}\n`);
    process.exit(error?.code === 'bad-input' ? 2 : 1);
  },
);
