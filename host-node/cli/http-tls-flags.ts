// The HTTP workloads' TLS flags, shared by `serve-http` and `agent`: the listener's certificate
// and key (it serves HTTPS), and an extra trust bundle for the workloads' outgoing HTTPS.
import { readFile } from 'node:fs/promises';
import { WasmhostError } from '../../src/errors.js';
import type { ListenerTls } from '../http-listener.js';
import { watchTlsFiles } from '../tls-files.js';

/** The files as given on the command line, and the flags' names (for messages). */
export interface HttpTlsFlags { cert?: string; key?: string; ca?: string; names: { cert: string; key: string; ca: string } }

/** The listener's TLS (undefined: plain HTTP) and the outgoing trust bundle, read and checked once at start. */
export async function readHttpTls(flags: HttpTlsFlags): Promise<{ listener?: ListenerTls; ca?: Buffer }> {
  const { names } = flags;
  if (Boolean(flags.cert) !== Boolean(flags.key)) {
    throw new WasmhostError('bad-input', `${names.cert} and ${names.key} go together: give both (the certificate chain and its key, PEM) to serve HTTPS, or neither`, { data: { usage: true } });
  }
  let listener: ListenerTls | undefined;
  if (flags.cert && flags.key) {
    // Parses both, checks that the key matches and that the certificate has not expired.
    const material = await watchTlsFiles({ cert: flags.cert, key: flags.key }, { log: () => {} }).current();
    listener = { cert: material.cert!, key: material.key! };
  }
  let ca: Buffer | undefined;
  if (flags.ca) {
    ca = await readFile(flags.ca).catch((error: Error) => {
      throw new WasmhostError('io', `cannot read ${names.ca} ${flags.ca}: ${error.message}`, { cause: error });
    });
    if (!/-----BEGIN CERTIFICATE-----/.test(ca.toString('latin1'))) throw new WasmhostError('bad-input', `${names.ca} ${flags.ca} holds no PEM certificate; give the CA certificate(s) workloads' HTTPS servers chain to`);
  }
  return { listener, ca };
}
