// An MqttTransport for a page whose broker credential can stop working: `wasmhost serve`
// restarted with another --state, or the page was revoked. When the broker refuses the
// credential, the inner transport (which would retry it forever) is closed, a new credential
// is asked for (POST /session) until one is given, and a new inner transport takes over with
// the same subscriptions and handlers. `problem()` says what is wrong meanwhile.
import { WasmhostError } from '../src/errors.js';
import type { MqttConnectionEvent, MqttMessage, MqttSubscribeOptions, MqttTransport } from '../src/ports/mqtt-transport.js';
import type { PageCredential } from './page-session.js';

/** How to open a transport with a credential, and how to get a new credential. */
export interface RenewingTransportOptions {
  /** The transport for `credential` (not connected yet). */
  open(credential: PageCredential | undefined): MqttTransport;
  /** The credential to start with (a stored one), if any. */
  initial?: PageCredential;
  /** A new credential; throws with the reason when the server refuses or cannot be reached. Without it, nothing is renewed. */
  renew?(): Promise<PageCredential>;
  /** Called when the stored credential is refused, before renewing (to forget it). */
  onRefused?(): void;
  /** Progress lines for the activity list. */
  say(line: string): void;
  /** Called whenever problem() changes. */
  onProblem?(): void;
  /** Renewal retry backoff (defaults 500 ms, doubled up to 10 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** A transport that renews its credential; `problem()` is why it is not connected, if it is not. */
export interface RenewingTransport extends MqttTransport {
  problem(): string | undefined;
}

/** CONNACK codes (3.1.1 and 5) of a refused username or password. */
const REFUSED_CODES = new Set([4, 5, 134, 135]);

function isRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'denied' || (typeof code === 'number' && REFUSED_CODES.has(code));
}

/** Wraps transports made by `options.open`, renewing the credential when the broker refuses it. */
export function createRenewingTransport(options: RenewingTransportOptions): RenewingTransport {
  const handlers = new Set<(m: MqttMessage) => void>();
  const listeners = new Set<(e: MqttConnectionEvent) => void>();
  const subscriptions = new Map<string, MqttSubscribeOptions | undefined>();
  let inner = options.open(options.initial);
  let unhook = hook(inner);
  let renewing: Promise<void> | undefined;
  let closed = false;
  let problem: string | undefined;

  const setProblem = (text: string | undefined) => {
    if (text === problem) return;
    problem = text;
    options.onProblem?.();
  };
  const emit = (event: MqttConnectionEvent) => listeners.forEach((l) => l(event));

  function hook(t: MqttTransport): () => void {
    const offMessages = t.onMessage((m) => handlers.forEach((h) => h(m)));
    const offChanges = t.onConnectionChange((event) => {
      if (t !== inner || renewing) return;
      if (event.state === 'connected') setProblem(undefined);
      if (event.state === 'disconnected') {
        const why = event.error?.message ?? 'the connection was lost';
        if (isRefusal(event.error) && options.renew) {
          setProblem(`the broker refused this page's credential (${why}); asking wasmhost serve for a new one`);
          void renew();
        } else {
          setProblem(`not connected to the broker (${why}); trying again in ${Math.ceil(event.retryInMs / 1000)} s`);
        }
      }
      emit(event);
    });
    return () => {
      offMessages();
      offChanges();
    };
  }

  /** Replaces the inner transport with one on a new credential; retries until one connects or close(). */
  function renew(): Promise<void> {
    renewing ??= (async () => {
      options.onRefused?.();
      unhook();
      await inner.close().catch(() => undefined);
      let delay = options.retryMinMs ?? 500;
      while (!closed) {
        try {
          const next = options.open(await options.renew!());
          await next.connect();
          if (closed) {
            await next.close();
            return;
          }
          inner = next;
          unhook = hook(next);
          for (const [filter, subscribeOptions] of subscriptions) await next.subscribe(filter, subscribeOptions);
          setProblem(undefined);
          options.say('connected to the broker again with a new credential');
          emit({ state: 'connected', sessionPresent: false });
          return;
        } catch (error) {
          setProblem(`cannot connect to the broker: ${(error as Error).message}; trying again in ${Math.ceil(delay / 1000)} s`);
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(options.retryMaxMs ?? 10_000, delay * 2);
        }
      }
    })().finally(() => {
      renewing = undefined;
    });
    return renewing;
  }

  return {
    get protocolVersion() {
      return inner.protocolVersion;
    },
    get connected() {
      return !renewing && inner.connected;
    },
    problem: () => problem,
    async connect() {
      try {
        await inner.connect();
      } catch (error) {
        if (!isRefusal(error) || !options.renew || !options.initial) throw error;
        options.say(`the broker refused this page's stored credential (${(error as Error).message}); asking for a new one`);
        options.onRefused?.();
        unhook();
        inner = options.open(await options.renew());
        unhook = hook(inner);
        await inner.connect();
      }
    },
    publish(topic, payload, publishOptions) {
      if (renewing) return Promise.reject(new WasmhostError('io', `not connected to the broker (renewing this page's credential): ${topic} was not sent`));
      return inner.publish(topic, payload, publishOptions);
    },
    async subscribe(filters, subscribeOptions) {
      for (const f of typeof filters === 'string' ? [filters] : filters) subscriptions.set(f, subscribeOptions);
      if (!renewing) await inner.subscribe(filters, subscribeOptions);
    },
    async unsubscribe(filters) {
      for (const f of typeof filters === 'string' ? [filters] : filters) subscriptions.delete(f);
      if (!renewing) await inner.unsubscribe(filters);
    },
    onMessage(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    onConnectionChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      unhook();
      await inner.close();
    },
  };
}
