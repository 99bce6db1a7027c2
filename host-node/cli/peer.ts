// `wasmhost peer add|list|remove|export-mosquitto`: the credentials embedded peers (and pages)
// log in with, kept hashed in <state>/credentials.json (host-node/credentials.ts). The embedded
// broker of `agent` and `serve` with the same --state checks them; export-mosquitto writes the
// password and ACL files for an external mosquitto 2.x.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WasmhostError } from '../../src/errors.js';
import { DEFAULT_TOPIC_ROOT, HOST_USERNAME, mosquittoAcl } from '../../src/bridge/acl.js';
import { hashSecret, mosquittoPasswd, openCredentialStore } from '../credentials.js';
import { DEFAULT_MAX_PACKET_BYTES } from '../broker.js';
import { defaultStateDir } from '../node-host.js';

export const PEER_USAGE = `wasmhost peer add <id> [--state <dir>] [--secret-file <f>]
  wasmhost peer list [--state <dir>] [--json]
  wasmhost peer remove <id> [--state <dir>]
  wasmhost peer export-mosquitto --out <dir> [--state <dir>] [--root wasmhost/v1] [--host-secret-file <f>]`;

export const PEER_HELP = `Peer: an embedded peer logs in with username = client id = its id and a secret. \`peer add\`
prints the secret once (or writes it to --secret-file, mode 0600) and keeps only a salted
PBKDF2-SHA512 hash in <state>/credentials.json; the embedded broker of \`agent\` and \`serve\` run
with the same --state checks it. \`peer remove\` revokes: new connections are refused and a
connected peer is disconnected within a second or two. \`export-mosquitto\` writes passwd, acl
and mosquitto.conf (include it in a listener) for an external mosquitto 2.x, with a host
credential for the agent (--broker-username ${HOST_USERNAME} --broker-password <host secret>).`;

/** Parses the peer arguments and runs the subcommand; returns the exit code. */
export async function peerMain(argv: string[]): Promise<number> {
  const bad = (message: string) => new WasmhostError('bad-input', `${message}\n\nUsage: ${PEER_USAGE}`, { data: { usage: true } });
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        state: { type: 'string' },
        json: { type: 'boolean', default: false },
        out: { type: 'string' },
        root: { type: 'string', default: DEFAULT_TOPIC_ROOT },
        'secret-file': { type: 'string' },
        'host-secret-file': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw bad((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [action, id, ...extra] = positionals;
  if (values.help || !action) {
    process.stdout.write(`Usage: ${PEER_USAGE}\n\n${PEER_HELP}\n`);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) throw bad(`unexpected argument '${extra[0]}'`);
  const store = openCredentialStore(values.state ?? defaultStateDir());
  switch (action) {
    case 'add': {
      if (!id) throw bad('peer add needs an id');
      const secret = store.add(id, 'peer');
      if (values['secret-file']) {
        try {
          writeFileSync(values['secret-file'], `${secret}\n`, { mode: 0o600 });
        } catch (error) {
          store.remove(id); // a credential whose secret nobody has is of no use
          throw new WasmhostError('io', `--secret-file ${values['secret-file']} cannot be written (${(error as Error).message}); ${id} was not added`, { cause: error });
        }
        process.stderr.write(`peer ${id} added; its secret is in ${values['secret-file']} (the host keeps only a hash in ${store.path})\n`);
      } else {
        process.stderr.write(`peer ${id} added; its secret follows, shown this once (the host keeps only a hash in ${store.path}):\n`);
        process.stdout.write(`${secret}\n`);
      }
      return 0;
    }
    case 'list': {
      const all = store.list();
      if (values.json) process.stdout.write(`${JSON.stringify(all.map(({ hash: _, ...rest }) => rest), null, 2)}\n`);
      else for (const c of all) process.stdout.write(`${c.id}\t${c.kind}\t${c.created}${c.peers ? `\tpeers: ${c.peers.join(',') || '(none)'}` : ''}\n`);
      return 0;
    }
    case 'remove': {
      if (!id) throw bad('peer remove needs an id');
      if (!store.remove(id)) throw new WasmhostError('bad-input', `${id} has no credential in ${store.path} (see wasmhost peer list)`);
      process.stdout.write(`removed ${id}: new connections are refused; a connected ${id} is disconnected\n`);
      return 0;
    }
    case 'export-mosquitto': {
      if (!values.out) throw bad('export-mosquitto needs --out <dir>');
      const files = exportMosquitto(store.list(), resolve(values.out), values.root, values['host-secret-file']);
      for (const f of files) process.stdout.write(`wrote ${f}\n`);
      return 0;
    }
    default:
      throw bad(`unknown peer action '${action}'`);
  }
}

/**
 * passwd (the stored `$7$` hashes as they are, plus the host's), acl (src/bridge/acl.ts's rule,
 * pages included) and mosquitto.conf lines that use them. The host secret is read from
 * `hostSecretFile`, or made and written there (default <out>/host.secret).
 */
function exportMosquitto(credentials: ReturnType<ReturnType<typeof openCredentialStore>['list']>, out: string, root: string, hostSecretFile?: string): string[] {
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const secretPath = resolve(hostSecretFile ?? join(out, 'host.secret'));
  let hostSecret: string;
  try {
    hostSecret = readFileSync(secretPath, 'utf8').trim();
  } catch {
    hostSecret = randomBytes(32).toString('base64url');
    writeFileSync(secretPath, `${hostSecret}\n`, { mode: 0o600 });
  }
  const pages = credentials.filter((c) => c.kind === 'page').map((c) => ({ id: c.id, peers: c.peers ?? [] }));
  const passwd = join(out, 'passwd');
  const acl = join(out, 'acl');
  const conf = join(out, 'mosquitto.conf');
  writeFileSync(passwd, mosquittoPasswd(credentials, { username: HOST_USERNAME, hash: hashSecret(hostSecret) }), { mode: 0o600 });
  writeFileSync(acl, mosquittoAcl({ root }, pages), { mode: 0o600 });
  writeFileSync(conf, [
    '# wasmhost: peers and pages log in with their provisioned credential (wasmhost peer export-mosquitto).',
    'allow_anonymous false',
    `password_file ${passwd}`,
    `acl_file ${acl}`,
    '# The client id is the username, so nobody takes or kicks a peer id without its secret.',
    'use_username_as_clientid true',
    `max_packet_size ${DEFAULT_MAX_PACKET_BYTES}`,
    '',
  ].join('\n'), { mode: 0o600 });
  return [passwd, acl, conf, secretPath];
}
