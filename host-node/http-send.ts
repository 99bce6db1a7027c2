// The Node side of outgoing HTTP: sends an allowed request with fetch (no redirects followed:
// a redirect to another origin would pass the allow list), within the deadline, reading at most
// the response cap; failures become wasi:http error-code cases.
import { createHttpOutgoingProvider, type HttpSender, type OutgoingResult } from '../src/capabilities/http-outgoing.js';
import type { CapabilityProvider } from '../src/capabilities/provider.js';

const FORBIDDEN = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade']);

export const sendWithFetch: HttpSender = async (url, request, { timeoutMs, maxResponseBytes }) => {
  const signal = AbortSignal.timeout(timeoutMs);
  const headers = new Headers();
  for (const [name, value] of request.headers) if (!FORBIDDEN.has(name.toLowerCase())) headers.append(name, value);
  let response: Response;
  try {
    const hasBody = request.body.length > 0 && !['GET', 'HEAD'].includes(request.method.toUpperCase());
    response = await fetch(url, { method: request.method, headers, body: hasBody ? (request.body as unknown as Blob) : undefined, redirect: 'manual', signal });
  } catch (error) {
    return failure(error, signal);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of (response.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
      size += (chunk as Uint8Array).length;
      if (size > maxResponseBytes) {
        await response.body?.cancel();
        return { error: 'HTTP-response-body-size', detail: String(maxResponseBytes) };
      }
      chunks.push(chunk as Uint8Array);
    }
  } catch (error) {
    return failure(error, signal);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { body.set(c, at); at += c.length; }
  const out: [string, string][] = [];
  response.headers.forEach((value, name) => out.push([name, value]));
  return { ok: { status: response.status, headers: out, body } };
};

function failure(error: unknown, signal: AbortSignal): OutgoingResult {
  if (signal.aborted) return { error: 'HTTP-response-timeout' };
  const code = ((error as { cause?: { code?: string } }).cause?.code ?? '') as string;
  if (code === 'ECONNREFUSED') return { error: 'connection-refused' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { error: 'DNS-error', detail: code };
  if (code === 'ECONNRESET') return { error: 'connection-terminated' };
  if (/CERT|TLS|SSL/.test(code)) return { error: 'TLS-certificate-error' };
  return { error: 'internal-error', detail: error instanceof Error ? error.message : String(error) };
}

/** `wasi:http/outgoing-handler` for Node hosts: the `http` grant's allow list, sent with fetch. */
export function createNodeHttpOutgoingProvider(): CapabilityProvider {
  return createHttpOutgoingProvider(sendWithFetch);
}
