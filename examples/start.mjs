#!/usr/bin/env node
// `npm start`: the device agent on examples/ (its greenhouse.yaml) with its embedded MQTT broker, and the
// Node peer simulator (one peer, `sim-1`) connected to that broker once it is up. The broker
// listens on 127.0.0.1:1883, or on a free port if 1883 is taken. Ctrl-C stops both.
// sim-1 is provisioned in the agent's --state the first time (`wasmhost peer add sim-1`): its
// secret is kept in <state>/sim-1.secret (mode 0600) for the simulator to log in with.
// Extra arguments go to the agent and win over these (e.g. `--state /tmp/s --broker-port 0`).
// Needs the build in dist/ (`npm ci` does it).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

async function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The --state the agent will use (the last one given wins, as in parseArgs). */
const args = process.argv.slice(2);
const stateAt = args.lastIndexOf('--state');
const state = resolve(root, stateAt >= 0 && args[stateAt + 1] ? args[stateAt + 1] : '.wasmhost');
const secretFile = join(state, 'sim-1.secret');
if (!existsSync(secretFile)) {
  const wasmhost = (more) => execFileSync(process.execPath, ['bin/wasmhost.js', 'peer', ...more, '--state', state], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    wasmhost(['remove', 'sim-1']); // a credential whose secret file is gone is of no use
  } catch {
    // none yet
  }
  wasmhost(['add', 'sim-1', '--secret-file', secretFile]);
  process.stdout.write(`[start] provisioned peer sim-1 (secret in ${secretFile})\n`);
}

const port = (await portFree(1883)) ? 1883 : 0;
if (port === 0) process.stdout.write('[start] port 1883 is taken: the embedded broker takes a free port\n');
const children = [];
function run(args, prefix, onLine) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        process.stdout.write(`${prefix}${line}\n`);
        onLine?.(line);
      }
    });
  }
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

let sim;
const agent = run(['bin/wasmhost.js', 'agent', '--desired', 'examples', '--state', '.wasmhost', '--broker-port', String(port), ...process.argv.slice(2)], '', (line) => {
  const url = /^\[bridge\] embedded MQTT broker at (mqtt:\/\/\S+)/.exec(line)?.[1];
  if (url && !sim) {
    sim = run(['examples/peer-sim/peer-sim.mjs', '--url', url, '--count', '1', '--prefix', 'sim', '--password-file', secretFile, '--rate', '1', '--mqtt', '4'], '[peer-sim] ');
  }
});

const stop = (signal) => {
  for (const c of children) if (c.exitCode === null) c.kill(signal);
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
const code = await agent;
stop('SIGTERM');
if (sim) await sim;
process.exit(code);
