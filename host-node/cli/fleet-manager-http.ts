// The agent's HTTP client towards its fleet manager, with Margo's identity profile: mutual
// TLS 1.3, X509-SVIDs on both sides, and certificate and trust-bundle rotation without restart.
import type { LogEntry } from '../../src/capabilities/provider.js';
import { WasmhostError } from '../../src/errors.js';
import type { HttpClient } from '../../src/ports/http-client.js';
import { createNodeHttpClient } from '../https-client.js';
import { spiffePolicy, spiffeServerCheck } from '../svid.js';
import { watchTlsFiles, type TlsFiles } from '../tls-files.js';

/** The agent's flags for it: the --tls-* files, --trust-domain, --wfm-spiffe-id. */
export interface FleetManagerTlsOptions { tls: TlsFiles; trustDomain?: string; wfmSpiffeId?: string }

/**
 * The fleet manager's HTTP client: TLS 1.3 at least, the --tls-* files re-read when they change,
 * and with --trust-domain or --wfm-spiffe-id the server known by its SPIFFE ID (Margo's identity
 * profile) instead of its host name. Loads the files once now, so a broken one stops the start.
 */
export async function fleetManagerHttp(options: FleetManagerTlsOptions, log: (e: LogEntry) => void): Promise<HttpClient> {
  let policy: ReturnType<typeof spiffePolicy>;
  try {
    policy = spiffePolicy({ trustDomain: options.trustDomain, id: options.wfmSpiffeId });
  } catch (error) {
    throw new WasmhostError('bad-input', (error as Error).message, { cause: error, data: { usage: true } });
  }
  if (policy && !options.tls.ca) {
    throw new WasmhostError('bad-input', `--trust-domain/--wfm-spiffe-id need --tls-ca: the trust bundle of ${policy.trustDomain} that the fleet manager's SVID must chain to`, { data: { usage: true } });
  }
  const say = (level: 'info' | 'warn', message: string) => log({ workload: 'agent', level, context: 'fleet-manager', message });
  const tls = watchTlsFiles(options.tls, { trustDomain: policy?.trustDomain, log: say });
  try {
    await tls.current();
  } catch (error) {
    throw new WasmhostError((error as WasmhostError).code ?? 'io', (error as Error).message, { cause: error, data: { usage: true } });
  }
  if (policy) say('info', `TLS 1.3 with SPIFFE: the fleet manager must present ${policy.id ? policy.id.text : `an SVID of the trust domain ${policy.trustDomain}`}`);
  if (policy && !options.tls.cert) say('warn', 'no --tls-cert/--tls-key: this device presents no SVID, which a Margo fleet manager refuses');
  return createNodeHttpClient({ tls, minVersion: 'TLSv1.3', checkServerIdentity: policy && spiffeServerCheck(policy) });
}
