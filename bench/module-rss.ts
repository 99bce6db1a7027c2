// RSS of each heavy dependency imported alone in a fresh Node process, beside an idle bare
// `node -e` measured the same way in the same run: what loading it costs, before any use.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { row } from './measure.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What each row imports: packages by name, the agent's own code by its built file. */
const MODULES: [label: string, specifiers: string[]][] = [
  ['aedes (embedded broker)', ['aedes']],
  ['mqtt (mqtt.js, external broker, peer-sim)', ['mqtt']],
  ['aedes + mqtt (the agent before: both)', ['aedes', 'mqtt']],
  ['yaml (manifests)', ['yaml']],
  ['cbor-x, main entry (native extractor)', ['cbor-x']],
  ['cbor-x/decode + cbor-x/encode (what the bridge uses)', ['cbor-x/decode', 'cbor-x/encode']],
  ['better-sqlite3 (loaded and opened)', ['better-sqlite3']],
  ['ws (MQTT over WebSocket)', ['ws']],
  ['@bytecodealliance/preview2-shim', ['@bytecodealliance/preview2-shim']],
  ['@bytecodealliance/jco (imported, not run)', ['@bytecodealliance/jco']],
  ['@opentelemetry/sdk-trace-base', ['@opentelemetry/sdk-trace-base']],
  ['the agent command, no package loaded yet (dist/host-node/cli/agent.js)', ['./dist/host-node/cli/agent.js']],
];

/** A child that imports `specifiers`, waits 1.5 s, and prints its VmRSS and RssAnon (KiB). */
const PROBE = `
for (const s of JSON.parse(process.argv[1])) {
  const m = s.startsWith('./') ? await import(new URL(s, 'file://' + process.cwd() + '/').href) : await import(s);
  if (s === 'better-sqlite3') new m.default(':memory:').prepare('select 1').get();
}
await new Promise((r) => setTimeout(r, 1500));
const status = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8');
console.log(JSON.stringify({ rss: +/VmRSS:\\s+(\\d+)/.exec(status)[1], anon: +/RssAnon:\\s+(\\d+)/.exec(status)[1] }));
`;

async function probe(specifiers: string[]): Promise<{ rss: number; anon: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE, JSON.stringify(specifiers)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bench: importing ${specifiers.join(', ')} failed:\n${err.slice(-2000)}`);
  const { rss, anon } = JSON.parse(out) as { rss: number; anon: number };
  return { rss: rss / 1024, anon: anon / 1024 };
}

/** One row per module: its RSS, and how much of it is the process's own (anonymous) memory. */
export async function moduleRss(): Promise<string[]> {
  const bare = await probe([]);
  const lines = [
    'module by module (each imported alone in a fresh process, VmRSS and RssAnon in MiB 1.5 s later; the rest of RSS is file pages such as the node binary, shared between Node processes)',
    row('bare node (nothing imported)', bare.rss, `MiB, private ${bare.anon.toFixed(1)}`),
  ];
  for (const [label, specifiers] of MODULES) {
    const m = await probe(specifiers);
    lines.push(row(label, m.rss, `MiB, private ${m.anon.toFixed(1)}  (+${(m.rss - bare.rss).toFixed(1)} RSS, +${(m.anon - bare.anon).toFixed(1)} private over bare)`));
  }
  return lines;
}
