// Runs Debian's mosquitto as a child process of the test, with a config file of its own:
// loopback, a free port, a password file, an acl_file and persistence in a temp dir.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';
export const haveMosquitto = existsSync(MOSQUITTO) && existsSync(MOSQUITTO_PASSWD);
export const noMosquitto = `${MOSQUITTO} is missing: the mosquitto tests are skipped (apt-get install -y mosquitto mosquitto-clients)`;

/** A mosquitto process the test owns. */
export interface Mosquitto {
  url: string;
  port: number;
  /** Stops it (SIGTERM, so it writes its persistence file) and starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
  /** Everything it logged so far. */
  log(): string;
}

/** A free TCP port on loopback (released before returning, so a small race remains). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts Debian's mosquitto on a free loopback port with a config of its own (never as a
 * system service): with `users` (name → password) and an acl_file text, with `options.access`
 * config lines, or anonymous.
 */
export async function startMosquitto(auth?: { users: Record<string, string>; acl: string }, options: { access?: string[] } = {}): Promise<Mosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-mosquitto-'));
  const port = await freePort();
  // `options.access`: the access lines as given (e.g. what `wasmhost peer export-mosquitto` wrote).
  const access: string[] = options.access ?? ['allow_anonymous true'];
  if (auth) {
    const passwd = join(dir, 'passwd');
    await writeFile(passwd, Object.entries(auth.users).map(([u, p]) => `${u}:${p}\n`).join(''), { mode: 0o600 });
    execFileSync(MOSQUITTO_PASSWD, ['-U', passwd]); // hashes the plain-text passwords in place
    await writeFile(join(dir, 'acl'), auth.acl, { mode: 0o600 });
    access.splice(0, 1, 'allow_anonymous false', `password_file ${passwd}`, `acl_file ${join(dir, 'acl')}`);
  }
  const config = [
    `listener ${port} 127.0.0.1`,
    ...access,
    'persistence true',
    `persistence_location ${dir}/`,
    'set_tcp_nodelay true',
    'max_queued_messages 10000',
    'log_dest stderr',
    'log_type error', 'log_type warning', 'log_type notice', 'log_type information',
    // As root, mosquitto would switch to the `mosquitto` user, which cannot read this temp dir.
    ...(process.getuid?.() === 0 ? [`user ${userInfo().username}`] : []),
    '',
  ].join('\n');
  const configPath = join(dir, 'mosquitto.conf');
  await writeFile(configPath, config);
  let output = '';
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const proc = spawn(MOSQUITTO, ['-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    // Never outlive the test process, even when it ends without running afterAll.
    const orphan = () => proc.kill('SIGKILL');
    process.once('exit', orphan);
    proc.once('exit', () => process.off('exit', orphan));
    const from = output.length;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/mosquitto version \S+ running/.test(output.slice(from))) resolve();
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => reject(new Error(`mosquitto exited with ${code} before listening:\n${output}`)));
      timer = setTimeout(() => reject(new Error(`mosquitto did not start within 5 s:\n${output}`)), 5000);
    }).catch(async (error: unknown) => {
      await stop();
      throw error;
    }).finally(() => clearTimeout(timer));
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    await exited;
  }

  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async restart(downMs = 0) {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
    log: () => output,
  };
}
