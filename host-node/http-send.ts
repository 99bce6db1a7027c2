// The Node side of outgoing HTTP: sends an allowed request with node:http or node:https (no
// redirects followed: a redirect to another origin would pass the allow list), within the
// deadline, reading at most the response cap; failures become wasi:http error-code cases.
// HTTPS always verifies the server's certificate: against the system CAs plus, when the
// operator gives one (`--http-ca`), an extra trust bundle (a device's local services often have a private CA).
import http from 'node:http';
import { createRequire } from 'node:module';
import { createHttpOutgoingProvider, type HttpSender, type OutgoingResult } from '../src/capabilities/http-outgoing.js';
import type { CapabilityProvider } from '../src/capabilities/provider.js';
import { lazy } from '../src/lazy.js';

// node:tls by require: an ESM import of it reads its lazy `rootCertificates` (about 0.5–1 MiB of RSS); process.getBuiltinModule needs Node 20.16.
const requireBuiltin = createRequire(import.meta.url);

const FORBIDDEN = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade']);

/** Options of the Node sender. */
export interface NodeHttpSendOptions {
  /** PEM trust bundle added to the system CAs for workloads' HTTPS requests. */
  ca?: string | Buffer;
}

/** An HttpSender over node:http/node:https; each sender owns its agents (no shared global state). */
export function createNodeHttpSender(options: NodeHttpSendOptions = {}): HttpSender {
  const httpAgent = new http.Agent({ keepAlive: true });
  // node:https loads at the first HTTPS request (an agent whose workloads send none never holds it).
  const secure = lazy(async () => {
    const https = (await import('node:https')).default;
    // The system CAs are read only with an extra bundle: an ESM import of node:tls would read them (about 1 MiB of RSS) for every agent.
    const ca = options.ca ? [...(requireBuiltin('node:tls') as typeof import('node:tls')).rootCertificates, options.ca.toString()] : undefined;
    return { client: https as Pick<typeof http, 'request'>, agent: new https.Agent({ keepAlive: true, ca }) as http.Agent };
  });
  return async (url, request, { timeoutMs, maxResponseBytes }) => {
    const target = new URL(url);
    const { client, agent } = target.protocol === 'https:' ? await secure() : { client: http, agent: httpAgent };
    return new Promise<OutgoingResult>((resolve) => {
      const headers: Record<string, string[]> = {};
      for (const [name, value] of request.headers) if (!FORBIDDEN.has(name.toLowerCase())) (headers[name.toLowerCase()] ??= []).push(value);
      const hasBody = request.body.length > 0 && !['GET', 'HEAD'].includes(request.method.toUpperCase());
      let settled = false;
      const done = (result: OutgoingResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const req = client.request(target, {
        method: request.method,
        headers: hasBody ? { ...headers, 'content-length': String(request.body.length) } : headers,
        agent,
      }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) {
            req.destroy();
            done({ error: 'HTTP-response-body-size', detail: String(maxResponseBytes) });
          } else chunks.push(chunk);
        });
        res.on('end', () => {
          const out: [string, string][] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) out.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
          done({ ok: { status: res.statusCode ?? 502, headers: out, body: new Uint8Array(Buffer.concat(chunks)) } });
        });
        res.on('error', (error) => done(failure(error)));
      });
      const timer = setTimeout(() => {
        done({ error: 'HTTP-response-timeout' });
        req.destroy();
      }, timeoutMs);
      req.on('error', (error) => done(failure(error)));
      req.end(hasBody ? request.body : undefined);
    });
  };
}

/** The error-code case for a failed request. */
function failure(error: unknown): OutgoingResult {
  const code = String((error as { code?: string }).code ?? '');
  if (code === 'ECONNREFUSED') return { error: 'connection-refused' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { error: 'DNS-error', detail: code };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { error: 'connection-terminated' };
  // A certificate the trust bundle does not vouch for, for another name, expired, self-signed…
  if (/CERT|SELF_SIGNED|UNABLE_TO|ALTNAME|ISSUER|SIGNATURE/.test(code)) return { error: 'TLS-certificate-error' };
  if (/TLS|SSL/.test(code)) return { error: 'TLS-protocol-error' };
  return { error: 'internal-error', detail: error instanceof Error ? error.message : String(error) };
}

/** `wasi:http/outgoing-handler` for Node hosts: the `http` grant's allow list, sent with node:http(s). */
export function createNodeHttpOutgoingProvider(options: NodeHttpSendOptions = {}): CapabilityProvider {
  return createHttpOutgoingProvider(createNodeHttpSender(options));
}
