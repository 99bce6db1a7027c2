// `npm run bench`: every figure is printed beside a baseline measured in the same run.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callOverhead } from './call-overhead.js';
import { startTime } from './start-time.js';
import { reinstantiate } from './reinstantiate.js';
import { checkTime } from './check-time.js';
import { deployTime } from './deploy-time.js';
import { isolation } from './isolation.js';
import { bridgeEcho } from './bridge-echo.js';
import { bridgePeers } from './bridge-peers.js';
import { browserBench } from './browser.js';
import { cliStart } from './cli-start.js';
import { ociPull } from './oci-pull.js';
import { httpBench } from './http.js';
import { telemetryBench } from './telemetry.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function exampleWasm(dir: string): Promise<string> {
  const name = (await readdir(join(root, 'examples', dir))).find((f) => f.endsWith('.wasm'));
  if (!name) throw new Error(`no built component in examples/${dir}; run npm run build:examples`);
  return join(root, 'examples', dir, name);
}

const alarm = await exampleWasm('threshold-alarm-c');
console.log(`wasmhost bench — node ${process.version}, ${new Date().toISOString()}\n`);
for (const line of await cliStart(alarm)) console.log(line);
console.log();
for (const line of await callOverhead(alarm)) console.log(line);
console.log();
for (const line of await startTime(alarm, 'C example')) console.log(line);
console.log();
for (const line of await reinstantiate(alarm)) console.log(line);
console.log();
for (const line of await isolation(alarm)) console.log(line);
console.log();
for (const line of await deployTime(join(root, 'examples', 'threshold-alarm-c', 'threshold-alarm.wasm'))) console.log(line);
console.log();
for (const line of await checkTime()) console.log(line);
console.log();
for (const line of await ociPull(await exampleWasm('sensor-filter-js'))) console.log(line);
console.log();
for (const line of await httpBench()) console.log(line);
console.log();
for (const line of await telemetryBench()) console.log(line);
console.log();
for (const line of await bridgeEcho()) console.log(line);
console.log();
for (const line of await bridgePeers()) console.log(line);
console.log();
for (const line of await browserBench(alarm)) console.log(line);
