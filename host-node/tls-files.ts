// TLS material read from PEM files and re-read when they change, so a certificate or trust
// bundle rotated on disk (by an SVID agent, cert-manager, an operator) is used for the next
// connection without a restart. The files are checked (stat) on every `current()` call, which
// the HTTP client makes once per request: no watcher to miss an atomic rename.
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { WasmhostError } from '../src/errors.js';
import { svidId } from './svid.js';

// node:tls by require: an ESM import of it reads its lazy `rootCertificates` (about 0.5–1 MiB of RSS); process.getBuiltinModule needs Node 20.16.
const requireBuiltin = createRequire(import.meta.url);

/** The PEM files: trust bundle, certificate chain (leaf first), private key. */
export interface TlsFiles { ca?: string; cert?: string; key?: string }

/** The PEM contents of one moment; a new object whenever the files changed. */
export interface TlsMaterial { ca?: Buffer; cert?: Buffer; key?: Buffer }

/** Where an HTTP client asks for its TLS material before each request. */
export interface TlsSource { current(): Promise<TlsMaterial> }

/** Options of `watchTlsFiles`. */
export interface TlsFilesOptions {
  /** The certificate must be an X509-SVID of this trust domain. */
  trustDomain?: string;
  /** Where loads and refused reloads are told. */
  log(level: 'info' | 'warn', message: string): void;
}

/**
 * A TlsSource over files. A change is loaded only whole and checked (PEM parses, the key
 * matches the certificate, an SVID of the trust domain when one is required); a change that
 * fails the check (say, the certificate written but not yet its key) keeps the last good
 * material and is retried on the next request.
 */
export function watchTlsFiles(files: TlsFiles, options: TlsFilesOptions): TlsSource {
  if (Boolean(files.cert) !== Boolean(files.key)) {
    throw new WasmhostError('bad-input', '--tls-cert and --tls-key go together: give both (the device SVID and its key) or neither', { data: { usage: true } });
  }
  const paths = [files.ca, files.cert, files.key].filter((p): p is string => Boolean(p));
  let loaded: { signature: string; material: TlsMaterial } | undefined;
  let refused: { signature: string; error: WasmhostError } | undefined;
  let busy: Promise<TlsMaterial> | undefined;

  async function refresh(): Promise<TlsMaterial> {
    const signature = await signatureOf(paths);
    if (loaded?.signature === signature) return loaded.material;
    if (refused?.signature === signature) {
      if (loaded) return loaded.material;
      throw refused.error;
    }
    try {
      const material = await load(files, options.trustDomain);
      if (paths.length > 0) options.log('info', `TLS: ${loaded ? 'reloaded' : 'loaded'} ${describe(material, files)}`);
      loaded = { signature, material };
      refused = undefined;
      return material;
    } catch (error) {
      const failure = error instanceof WasmhostError ? error : new WasmhostError('io', `TLS files: ${(error as Error).message}`, { cause: error });
      refused = { signature, error: failure };
      if (!loaded) throw failure;
      options.log('warn', `TLS: the changed files are not usable yet, keeping the previous ones: ${failure.message}`);
      return loaded.material;
    }
  }

  return {
    current() {
      busy ??= refresh().finally(() => (busy = undefined));
      return busy;
    },
  };
}

/** Identity, size and times of each file: any rewrite or rename changes it. */
async function signatureOf(paths: string[]): Promise<string> {
  const stats = await Promise.all(paths.map((p) => stat(p).then(
    (s) => `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`,
    (error: NodeJS.ErrnoException) => `missing:${error.code}`,
  )));
  return stats.join('|');
}

async function load(files: TlsFiles, trustDomain: string | undefined): Promise<TlsMaterial> {
  const read = async (path: string | undefined, flag: string) => {
    if (!path) return undefined;
    try {
      return await readFile(path);
    } catch (error) {
      throw new WasmhostError('io', `cannot read ${flag} ${path}: ${(error as Error).message}`, { cause: error });
    }
  };
  const material: TlsMaterial = { ca: await read(files.ca, '--tls-ca'), cert: await read(files.cert, '--tls-cert'), key: await read(files.key, '--tls-key') };
  try {
    (requireBuiltin('node:tls') as typeof import('node:tls')).createSecureContext(material); // parses every PEM and checks that the key matches the certificate
    if (material.ca) bundleOf(material.ca);
  } catch (error) {
    throw new WasmhostError('bad-input', `the TLS files (${[files.ca, files.cert, files.key].filter(Boolean).join(', ')}) are not usable: ${(error as Error).message}`, { cause: error });
  }
  if (material.cert) {
    const leaf = new X509Certificate(material.cert);
    if (Date.parse(leaf.validTo) < Date.now()) throw new WasmhostError('bad-input', `--tls-cert ${files.cert} expired on ${leaf.validTo}; renew it`);
    if (trustDomain) {
      const id = svidId(leaf, `device certificate ${files.cert}`);
      if (id.trustDomain !== trustDomain) throw new WasmhostError('bad-input', `--tls-cert ${files.cert} is the SVID ${id.text}, not of the trust domain ${trustDomain}`);
    }
  }
  return material;
}

/** The certificates of a PEM trust bundle. */
function bundleOf(pem: Buffer): X509Certificate[] {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('the trust bundle holds no PEM certificate');
  return blocks.map((block) => new X509Certificate(block));
}

/** "device SVID spiffe://… (serial …, valid until …), trust bundle of 2 certificate(s) from ca.pem". */
function describe(material: TlsMaterial, files: TlsFiles): string {
  const parts: string[] = [];
  if (material.cert) {
    const leaf = new X509Certificate(material.cert);
    let name: string;
    try {
      name = `device SVID ${svidId(leaf).text}`;
    } catch {
      name = `client certificate ${leaf.subject.split('\n').join(', ')}`;
    }
    parts.push(`${name} (serial ${leaf.serialNumber}, valid until ${leaf.validTo}) from ${files.cert}`);
  }
  if (material.ca) parts.push(`trust bundle of ${bundleOf(material.ca).length} certificate(s) from ${files.ca}`);
  return parts.join('; ');
}
