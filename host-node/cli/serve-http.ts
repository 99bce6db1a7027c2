// `wasmhost serve-http`: one wasi:http/incoming-handler component behind a node:http listener,
// for Wasm authors (as `jco serve` and `wasmtime serve` do), isolated in a worker with the same
// grants, limits, restarts and logs as on a device.
//
// Where the request is handled: inside the workload's worker. wasi:http's resources
// (incoming-request, response-outparam, body streams) cannot cross from the host thread to the
// worker, so the host reads the body (up to its cap) and sends a plain request; the worker
// builds the resources around it (src/runtime/http-types.ts), calls `handle`, and sends back
// status, headers and body bytes. A trap or a deadline stops only that worker.
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { WasmhostError } from '../../src/errors.js';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from '../../src/runtime/http-limits.js';
import { HTTP_HANDLER, type HttpRequestData, type HttpResponseData } from '../../src/runtime/http-types.js';
import { listenHttp } from '../http-listener.js';
import { readComponentFile } from './read-component.js';

export const SERVE_HTTP_USAGE = 'wasmhost serve-http <component.wasm> [--listen 127.0.0.1:8080] [--grant …] [--dir host::guest] [--env K=V] [--max-body <bytes>] [--timeout-ms <ms>] [--max-concurrent <n>] [--memory <bytes>] [--tls-cert cert.pem --tls-key key.pem] [--http-ca ca.pem]';

/** Runs until SIGINT/SIGTERM; returns the exit code. */
export async function serveHttpMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      listen: { type: 'string', default: '127.0.0.1:8080' },
      grant: { type: 'string', multiple: true, default: [] },
      dir: { type: 'string', multiple: true, default: [] },
      env: { type: 'string', multiple: true, default: [] },
      'max-body': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'max-concurrent': { type: 'string' },
      memory: { type: 'string' },
      'cache-dir': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'http-ca': { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw usage('serve-http needs exactly one component file');
  const limits: HttpLimits = {
    maxBodyBytes: number(values['max-body'], '--max-body', DEFAULT_HTTP_LIMITS.maxBodyBytes),
    deadlineMs: number(values['timeout-ms'], '--timeout-ms', DEFAULT_HTTP_LIMITS.deadlineMs),
    maxConcurrent: number(values['max-concurrent'], '--max-concurrent', DEFAULT_HTTP_LIMITS.maxConcurrent),
  };
  const memoryBytes = number(values.memory, '--memory', 64 * 2 ** 20);
  const [host, port] = splitListen(values.listen);
  const [{ createCliHost }, { grantsFromFlags }, { readHttpTls }] = await Promise.all([import('./cli-host.js'), import('./grant-flags.js'), import('./http-tls-flags.js')]);
  const tls = await readHttpTls({ cert: values['tls-cert'], key: values['tls-key'], ca: values['http-ca'], names: { cert: '--tls-cert', key: '--tls-key', ca: '--http-ca' } });
  const { host: wasmhost } = await createCliHost({ cacheDir: values['cache-dir'], httpCa: tls.ca });
  const component = await readComponentFile(wasmhost, file);
  const handler = component.world.exports.find((e) => e.kind === 'interface' && e.interface.name.startsWith(HTTP_HANDLER));
  if (!handler || handler.kind !== 'interface') {
    throw new WasmhostError('unsupported', `${file} does not export ${HTTP_HANDLER}, so it cannot answer HTTP requests; call its exports with \`wasmhost run --invoke\``);
  }
  const path = `${handler.interface.name}#handle`;
  const name = basename(file);
  const log = (line: string) => process.stderr.write(`[${name}] ${line}\n`);
  const workload = await wasmhost.startIsolated(component, {
    name, config: {}, grants: grantsFromFlags(values.grant, values.dir, values.env),
    limits: { callTimeoutMs: limits.deadlineMs, memoryBytes },
    onEvent: (e) => log(e.type === 'stopped' ? `stopped: ${e.error.message}${e.restartInMs === undefined ? '' : `; restarts in ${Math.round(e.restartInMs)} ms`}` : `started (${Math.round(e.ms)} ms, ${e.restarts} restarts)`),
  });
  const listener = await listenHttp(host, port, () => ({
    name, limits, handle: (request: HttpRequestData) => workload.call(path, request) as Promise<HttpResponseData>,
  }), tls.listener);
  process.stdout.write(`serving ${name} on ${listener.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await listener.close();
  await workload.close();
  return 0;
}

function splitListen(text: string): [string, number] {
  const at = text.lastIndexOf(':');
  const port = Number(text.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw usage(`--listen expects host:port (127.0.0.1:8080; port 0 picks a free one), got '${text}'`);
  return [text.slice(0, at).replace(/^\[|\]$/g, ''), port];
}

function number(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1) throw usage(`${flag} expects a whole number ≥ 1, got '${text}'`);
  return value;
}

function usage(message: string): WasmhostError {
  return new WasmhostError('bad-input', `${message}\n\nUsage: ${SERVE_HTTP_USAGE}`, { data: { usage: true } });
}
