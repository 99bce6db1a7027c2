// Streaming HTTP bodies between the host thread and a workload worker. The request's body and
// the response travel in chunks while the handler runs: the worker reads the next request chunk
// with a blocking import call (the host waits for the network), and posts each response chunk
// (the first with the head) as a fire-and-forget note, which the host writes to the client as it
// arrives; the call's result, which follows the last chunk, ends the response.
// On the host, a request carries an `HttpExchange` (functions, which cannot cross threads); the
// isolated workload swaps it for an id and serves the worker's calls for that id from here.
import { WasmhostError } from '../errors.js';
import type { ForwardedInterface } from './isolate-protocol.js';

/** The pseudo-interface the worker calls for body chunks (never a component import). */
export const HTTP_STREAM = 'wasmhost:http-stream';

/** How the worker reaches it: `read` blocks for an answer; `write` is a note. */
export const HTTP_STREAM_FORWARD: ForwardedInterface = {
  name: HTTP_STREAM,
  functions: [
    { name: 'read', js: 'read', returns: true },
    { name: 'write', js: 'write', returns: false },
  ],
};

/** The host's side of one request being served with streamed bodies. */
export interface HttpExchange {
  /** The next request body chunk; undefined at its end. Rejects when the body passes its cap or the client went away. */
  read(): Promise<Uint8Array | undefined>;
  /** A chunk of the response body, as the handler wrote it; the first comes with the status and headers. */
  write(chunk: Uint8Array, head?: [number, [string, string][]]): void;
}

/** The exchanges of one workload's calls in flight, by the id that crosses to the worker. */
export function createExchangeRegistry() {
  const open = new Map<number, HttpExchange>();
  let next = 0;
  return {
    /** `args` with an exchange in the first argument replaced by its id (`stream`), and the id to release; else as they are. */
    take(args: unknown[]): { args: unknown[]; id?: number } {
      const first = args[0] as { exchange?: HttpExchange } | undefined;
      if (!first || typeof first !== 'object' || !first.exchange) return { args };
      const id = ++next;
      open.set(id, first.exchange);
      const { exchange: _, ...plain } = first;
      return { args: [{ ...plain, stream: id }, ...args.slice(1)], id };
    },
    release(id: number | undefined): void {
      if (id !== undefined) open.delete(id);
    },
    /** Serves the worker's call of `fn` (args: the id, then the function's own). */
    invoke(fn: string, args: unknown[]): unknown {
      const [id, ...rest] = args as [number, ...unknown[]];
      const exchange = open.get(id);
      if (!exchange) throw new WasmhostError('bad-input', `no HTTP request ${id} is being served (${fn})`);
      switch (fn) {
        // A refused read is an answer, not an import failure (which would trap the guest).
        case 'read': return exchange.read().then((chunk) => chunk ?? null, (error: unknown) => ({ failed: error instanceof Error ? error.message : String(error) }));
        case 'write': return exchange.write(rest[0] as Uint8Array, rest[1] as [number, [string, string][]] | undefined);
        default: throw new WasmhostError('bad-input', `${HTTP_STREAM} has no function ${fn}`);
      }
    },
  };
}

/**
 * The request as an in-process handler takes it: the exchange's body read whole (the listener
 * already holds it to the route's cap) and the exchange left out, so the answer comes back whole.
 */
export async function bufferedRequest<T extends { body: Uint8Array; exchange?: HttpExchange }>(request: T): Promise<Omit<T, 'exchange'>> {
  const { exchange, ...plain } = request;
  if (!exchange) return plain;
  const chunks: Uint8Array[] = [plain.body];
  let size = plain.body.length;
  for (let chunk = await exchange.read(); chunk; chunk = await exchange.read()) {
    chunks.push(chunk.slice());
    size += chunk.length;
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) { body.set(chunk, at); at += chunk.length; }
  return { ...plain, body };
}
