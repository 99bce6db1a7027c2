// Shared pieces of the real-agent fleet-manager tests: the reference fleet manager as a child
// process (its request log kept), and ApplicationDeployment YAML naming a package URL.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { deploymentYaml } from '../../support/deployment-yaml.js';

export { deploymentYaml };

const SERVER = resolve('examples/fleet-manager/server.mjs');

/** A running reference fleet manager: its URL, its stderr request log, and a way to stop it. */
export interface FleetManager { url: string; log(): string; polls(): number; stop(): void }

/** Starts `examples/fleet-manager/server.mjs --dir <dir>` over plain http on 127.0.0.1. */
export function startFleetManager(dir: string): Promise<FleetManager> {
  const child = spawn(process.execPath, [SERVER, '--dir', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolveUrl, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        resolveUrl({
          url: out.split('\n')[0].trim(),
          log: () => err,
          polls: () => err.split('\n').filter((l) => l.startsWith('GET /api/v1/deployments ')).length,
          stop: () => child.kill('SIGKILL'),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`fleet manager exited ${code}: ${err}`)));
  });
}

/** sha256:<hex> of some bytes. */
export const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The calc deployment: `adder` in-process, publishing `add(a, b)` to out/sum every 100 ms. */
export function calcDeployment(version: string, args: [number, number], componentDigest: string, location = 'scalars.wasm'): string {
  return deploymentYaml({
    id: 'calc', version, packageLocation: location, digest: componentDigest, limits: '{ isolation: in-process }',
    properties: `          triggers:
            - { kind: interval, everyMs: 100, export: add, args: ["${args[0]}", "${args[1]}"], output: out/sum }
`,
  });
}
