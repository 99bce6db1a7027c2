// `npm run bench`: every figure is printed beside a baseline measured in the same run.
// `npm run bench -- start footprint` runs only the named sections (names below).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callOverhead } from './call-overhead.js';
import { startTime } from './start-time.js';
import { reinstantiate } from './reinstantiate.js';
import { checkTime } from './check-time.js';
import { deployTime } from './deploy-time.js';
import { isolation } from './isolation.js';
import { faultIsolation } from './fault-isolation.js';
import { channelFloor } from './channel-floor.js';
import { valueForm } from './value-form.js';
import { bridgeEcho } from './bridge-echo.js';
import { bridgePeers } from './bridge-peers.js';
import { browserBench } from './browser.js';
import { cliStart } from './cli-start.js';
import { ociPull } from './oci-pull.js';
import { httpBench } from './http.js';
import { telemetryBench } from './telemetry.js';
import { workerStart } from './worker-start.js';
import { footprint } from './footprint.js';
import { moduleRss } from './module-rss.js';
import { density } from './density.js';
import { resourceCalls } from './resources.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function exampleWasm(dir: string): Promise<string> {
  const name = (await readdir(join(root, 'examples', dir))).find((f) => f.endsWith('.wasm'));
  if (!name) throw new Error(`no built component in examples/${dir}; run npm run build:examples`);
  return join(root, 'examples', dir, name);
}

const alarm = await exampleWasm('threshold-alarm-c');
const sections: Record<string, () => Promise<string[]>> = {
  cli: () => cliStart(alarm),
  calls: () => callOverhead(alarm),
  start: () => startTime(alarm, 'C example'),
  'worker-start': () => workerStart(alarm),
  reinstantiate: () => reinstantiate(alarm),
  isolation: () => isolation(alarm),
  faults: () => faultIsolation(),
  'channel-floor': () => channelFloor(),
  'value-form': () => valueForm(),
  deploy: () => deployTime(join(root, 'examples', 'threshold-alarm-c', 'threshold-alarm.wasm')),
  check: () => checkTime(),
  oci: async () => ociPull(await exampleWasm('sensor-filter-js')),
  http: () => httpBench(),
  resources: () => resourceCalls(),
  telemetry: () => telemetryBench(),
  footprint: async () => [...(await footprint()), '', ...(await moduleRss())],
  density: () => density(),
  'bridge-echo': () => bridgeEcho(),
  'bridge-peers': () => bridgePeers(),
  browser: () => browserBench(alarm),
};
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in sections));
if (unknown.length) {
  console.error(`unknown bench section ${unknown.join(', ')}; sections: ${Object.keys(sections).join(' ')}`);
  process.exit(2);
}
console.log(`wasmhost bench — node ${process.version}, ${new Date().toISOString()}\n`);
for (const name of chosen.length ? chosen : Object.keys(sections)) {
  for (const line of await sections[name]()) console.log(line);
  console.log();
}
