// `npm start`: the threshold alarm on a simulated device, through the public API.
// A temperature ramps up past the alarm threshold and back; the component smooths it,
// logs when the threshold is crossed and switches the granted `fan` actuator.
import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNodeHost, createDeviceProvider } from 'wasmhost/node';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const alarm = here('./threshold-alarm-c/threshold-alarm.wasm');

console.log('$ wasmhost inspect examples/threshold-alarm-c/threshold-alarm.wasm');
console.log(execFileSync(process.execPath, [here('../bin/wasmhost.js'), 'inspect', alarm], { encoding: 'utf8' }));

let fan = 0;
const device = createDeviceProvider({
  actuators: { fan: { unit: '', kind: 'relay', min: 0, max: 1, set: (v) => { fan = v; } } },
});
const host = createNodeHost({
  providers: [device],
  log: (e) => console.log(`    log ${e.level} [${e.workload}] ${e.message}`),
});
const component = await host.load(await readFile(alarm));
const workload = await host.instantiate(component, {
  name: 'greenhouse-alarm',
  config: { threshold: '30', actuator: 'fan' },
  grants: { actuators: ['fan'] },
});

console.log('feeding readings (°C) to process(celsius: f64) -> f64, threshold 30 °C:');
const ramp = [24, 26, 29, 33, 36, 38, 37, 33, 29, 26, 24, 22];
for (const celsius of ramp) {
  const smoothed = workload.call('process', celsius);
  const label = workload.call('classify', 'greenhouse', smoothed);
  console.log(`  in ${String(celsius).padStart(4)}  smoothed ${smoothed.toFixed(2).padStart(6)}  fan ${fan ? 'ON ' : 'off'}  ${label}`);
}
