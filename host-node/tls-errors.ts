// What a failed TLS handshake means, in words an operator can act on. Node reports these as
// OpenSSL codes and texts ("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "tlsv13 alert certificate required").

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_SIGNATURE_FAILURE',
]);

/** A sentence saying what a TLS failure means, or undefined when it is not one this knows. */
export function tlsFailureHint(error: Error & { code?: string }, minVersion?: string): string | undefined {
  const code = error.code ?? '';
  const text = `${code} ${error.message}`;
  if (UNTRUSTED.has(code)) return "the server's certificate is not signed by the trust bundle (the CA file given, e.g. --tls-ca)";
  if (code === 'CERT_HAS_EXPIRED') return "the server's certificate has expired";
  if (code === 'CERT_NOT_YET_VALID') return "the server's certificate is not valid yet (check this device's clock)";
  if (/CERTIFICATE_REQUIRED/.test(code)) return 'the server requires a client certificate and none was presented (give the device certificate and key, e.g. --tls-cert and --tls-key)';
  if (/ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|ACCESS_DENIED)/.test(code)) return 'the server refused the client certificate (not from its trust bundle, or not an identity it accepts)';
  if (/alert protocol version|unsupported protocol|wrong version number/i.test(text)) {
    return minVersion === 'TLSv1.3' ? 'the server does not offer TLS 1.3, the lowest version this client accepts' : 'the server and this client share no TLS version';
  }
  return undefined;
}
