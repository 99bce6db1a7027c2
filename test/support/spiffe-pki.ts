// A throwaway SPIFFE PKI made with Debian's openssl in a temporary folder: CAs (trust bundles)
// and X509-SVIDs (a SPIFFE ID in the URI SAN) signed by them, EC P-256, serials chosen by the test.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The files of one certificate: `<name>.pem` and `<name>.key`. */
export interface PemFiles { cert: string; key: string }

/** Makes CAs and leaves in `dir`. */
export function createPki(dir: string) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const files = (name: string): PemFiles => ({ cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) });
  return {
    /** A self-signed CA: the trust bundle of a trust domain (with a SAN, e.g. `URI:spiffe://example.org`, when given). */
    ca(name: string, san?: string): PemFiles {
      ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
        '-subj', `/CN=${name}`, ...(san ? ['-addext', `subjectAltName=${san}`] : []), '-keyout', `${name}.key`, '-out', `${name}.pem`);
      return files(name);
    },
    /** A leaf signed by `ca`: an X509-SVID when `san` is `URI:spiffe://…`, with the given serial (hex). */
    leaf(name: string, ca: PemFiles, san: string, serial: string): PemFiles {
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n`);
      ssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${serial}`, '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
      return files(name);
    },
  };
}
