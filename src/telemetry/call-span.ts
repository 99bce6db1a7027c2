// The span and metrics of one export call into a workload, shared by in-process and worker
// workloads: a `call <path>` span (child of the active span, e.g. a trigger's), the call
// counter and duration histogram by workload and outcome, and the error counter; and the
// span of one import a call makes (`traceImport`), active while the import runs.
import type { Telemetry, TelemetrySpan } from './telemetry.js';

/** One call being measured; `finish` once, with the error if it failed. */
export interface CallMeasure {
  readonly span: TelemetrySpan;
  finish(error?: unknown): void;
}

/** Starts measuring a call of `path` on `workload` (call only when `telemetry.enabled`). */
export function startCall(telemetry: Telemetry, workload: string, path: string): CallMeasure {
  const t0 = performance.now();
  const span = telemetry.startSpan(`call ${path}`, { parent: telemetry.activeSpan(), attributes: { 'wasmhost.workload': workload, 'wasmhost.export': path } });
  return {
    span,
    finish(error) {
      const outcome = error === undefined ? 'ok' : ((error as { code?: string }).code ?? 'error');
      const attributes = { 'wasmhost.workload': workload, 'wasmhost.outcome': outcome };
      telemetry.add('wasmhost.calls', 1, attributes);
      telemetry.record('wasmhost.call.duration', performance.now() - t0, { 'wasmhost.workload': workload });
      if (error !== undefined) telemetry.add('wasmhost.call.errors', 1, attributes);
      span.end(error);
    },
  };
}

/** Runs `run` (an import `<interface>#<function>`) in a span under `parent`, active for its synchronous part; a promise ends the span when it settles. */
export function traceImport(telemetry: Telemetry, parent: TelemetrySpan | undefined, workload: string, name: string, run: () => unknown): unknown {
  const attributes = { 'wasmhost.workload': workload, 'wasmhost.import': name };
  telemetry.add('wasmhost.import.calls', 1, attributes);
  const span = telemetry.startSpan(`import ${name}`, { parent, attributes });
  let result: unknown;
  try {
    result = telemetry.withSpan(span, run);
  } catch (error) {
    span.end(error);
    throw error;
  }
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    (result as Promise<unknown>).then(() => span.end(), (error: unknown) => span.end(error));
  } else span.end();
  return result;
}
