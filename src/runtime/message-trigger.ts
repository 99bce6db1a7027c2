import { WasmhostError } from '../errors.js';
import type { BusMessage, MessageBus } from '../ports/message-bus.js';
import type { Grants } from '../capabilities/grants.js';
import type { LogEntry, LogSink } from '../capabilities/provider.js';
import { Message } from '../capabilities/messaging-provider.js';
import { versionsCompatible } from '../capabilities/version.js';
import { unversioned } from '../capabilities/build-imports.js';
import type { ExportedFunction } from './export-path.js';
import type { Component } from '../component/component.js';

const HANDLER = 'wasi:messaging/incoming-handler';
const VERSION = '0.2.0-draft';

/** What binding a message trigger needs besides the workload and the bus. */
export interface MessageTriggerOptions {
  /** The workload's grants: it receives messages on `messaging.subscribe`. */
  grants: Readonly<Grants>;
  /** Where failed deliveries are reported (tagged with the workload's name). */
  log: LogSink;
}

/** A workload's live subscription to the bus. */
export interface MessageTrigger {
  /** The topic filters it listens on. */
  readonly filters: readonly string[];
  /** Messages delivered to the handler so far, and how many of them failed (err result, trap, busy). */
  readonly delivered: number;
  readonly failed: number;
  /** Unsubscribes; no message reaches the workload afterwards. */
  close(): void;
}

/**
 * What a trigger delivers to: an in-process Workload, or an isolated one whose calls
 * answer asynchronously (its `bind` returns a function returning a promise).
 */
export interface TriggerTarget {
  readonly name: string;
  /** True once it takes no more calls. */
  readonly dead: boolean;
  exports(): ExportedFunction[];
  bind(path: string): (...args: unknown[]) => unknown;
}

/** True when the component exports `wasi:messaging/incoming-handler`, so messages can trigger it. */
export function exportsMessageHandler(component: Component): boolean {
  return component.world.exports.some((e) => e.kind === 'interface' && unversioned(e.interface.name) === HANDLER);
}

/**
 * Delivers every bus message on the workload's granted subscriptions to its exported
 * `wasi:messaging/incoming-handler@0.2.0-draft` `handle`. A handler's `err`, a trap or a
 * refused call is logged and never reaches the bus or the host; the next message is
 * delivered as usual. Once a trap has left the workload dead, the trigger unsubscribes.
 *
 * The `message` passed in is an instance of the `Message` class that
 * createMessagingProvider puts in the workload's imports: jco only accepts instances
 * of the class it was instantiated with, so the workload must use that provider.
 */
export function bindMessageTrigger(workload: TriggerTarget, bus: MessageBus, options: MessageTriggerOptions): MessageTrigger {
  const filters = options.grants.messaging?.subscribe ?? [];
  const exported = workload.exports().find((e) => e.interface && unversioned(e.interface.name) === HANDLER && e.function.name === 'handle');
  if (!exported) {
    throw new WasmhostError('unknown-export', `${workload.name} does not export ${HANDLER}@${VERSION}, so messages cannot trigger it`);
  }
  const version = exported.interface!.package?.version;
  if (!versionsCompatible(version, VERSION)) {
    throw new WasmhostError('unsupported', `${workload.name} exports ${HANDLER}@${version}; this host delivers messages to version ${VERSION}`);
  }
  if (filters.length === 0) {
    throw new WasmhostError('denied', `${workload.name} exports ${HANDLER} but its grants name no topics to receive (grants.messaging.subscribe)`);
  }
  const handle = workload.bind(exported.path);
  const log = (level: LogEntry['level'], message: string) => options.log({ workload: workload.name, level, context: 'message-trigger', message });

  let delivered = 0;
  let failed = 0;
  let closed = false;
  function stop(): void {
    if (closed) return;
    closed = true;
    unsubscribe();
    log('error', `${workload.name} is dead after a trap; it receives no more messages until it is restarted`);
  }
  function handled(message: BusMessage, result: { tag: 'ok' | 'err'; val?: unknown }): void {
    if (result.tag !== 'err') return;
    failed++;
    log('warn', `handle(${message.topic}) returned an error: ${describeError(result.val)}`);
  }
  function refused(message: BusMessage, error: unknown): void {
    failed++;
    log('error', `handle(${message.topic}) failed: ${error instanceof Error ? error.message : String(error)}`);
    if (workload.dead) stop();
  }
  function onMessage(message: BusMessage): void {
    if (workload.dead) return stop();
    delivered++;
    let result: unknown;
    try {
      result = handle(Message.received(message));
    } catch (error) {
      return refused(message, error);
    }
    type Result = { tag: 'ok' | 'err'; val?: unknown };
    if (result instanceof Promise) void (result as Promise<Result>).then((r) => handled(message, r), (error: unknown) => refused(message, error));
    else handled(message, result as Result);
  }

  const unsubscribe = bus.subscribe(filters, onMessage);
  return {
    filters,
    get delivered() { return delivered; },
    get failed() { return failed; },
    close() {
      closed = true;
      unsubscribe();
    },
  };
}

/** `{tag: 'other', val: 'text'}` → `other: text`. */
function describeError(error: unknown): string {
  if (error && typeof error === 'object' && 'tag' in error) {
    const { tag, val } = error as { tag: string; val?: unknown };
    return val === undefined ? tag : `${tag}: ${String(val)}`;
  }
  return String(error);
}
