#!/usr/bin/env node
// `npm start`: the device agent on examples/ (its greenhouse.yaml) with its embedded MQTT broker, and the
// Node peer simulator (one peer, `sim-1`) connected to that broker once it is up. The broker
// listens on 127.0.0.1:1883, or on a free port if 1883 is taken. Ctrl-C stops both.
// Extra arguments go to the agent and win over these (e.g. `--state /tmp/s --broker-port 0`).
// Needs the build in dist/ (`npm ci` does it).
import { spawn } from 'node:child_process';
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
    sim = run(['examples/peer-sim/peer-sim.mjs', '--url', url, '--count', '1', '--prefix', 'sim', '--password', 'sim', '--rate', '1', '--mqtt', '4'], '[peer-sim] ');
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
