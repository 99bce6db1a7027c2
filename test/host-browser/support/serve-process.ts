// `wasmhost serve` as a child process for the page tests: started on a given (or any free)
// port, with its URL and broker port read from what it prints, stoppable and restartable.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A running `wasmhost serve`. */
export interface ServeProcess { url: string; port: number; brokerPort: number; output(): string; stop(): Promise<void> }

/** Polls `probe` every 100 ms until it returns something truthy; throws with `what()` after `ms`. */
export async function until<T>(probe: () => T | undefined | false | null | Promise<T | undefined | false | null>, what: () => string | Promise<string>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${await what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Starts `wasmhost serve` (dist/ build) with `args` on `port` (0: any); resolves once it listens. */
export async function startServe(args: string[], port = 0): Promise<ServeProcess> {
  let out = '';
  const child: ChildProcess = spawn(process.execPath, ['bin/wasmhost.js', 'serve', '--port', String(port), '--host', '127.0.0.1', '--broker-port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = (await until(() => /listening on (http:\S+)/.exec(out)?.[1] ?? (child.exitCode !== null && 'exited'), () => `serve to listen:\n${out}`)).replace(/\/?$/, '/');
  if (url === 'exited/') throw new Error(`serve exited:\n${out}`);
  const brokerPort = Number(await until(() => /MQTT: mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1], () => `serve's broker:\n${out}`));
  return {
    url, port: Number(new URL(url).port), brokerPort,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
