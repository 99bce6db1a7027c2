// W3C Trace Context `traceparent` (version 00): `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`.

/** The parts of a `traceparent` header. */
export interface TraceParent { traceId: string; spanId: string; sampled: boolean }

const PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The header text; all-zero ids are invalid in the standard and give undefined. */
export function formatTraceParent(parent: TraceParent): string | undefined {
  if (/^0+$/.test(parent.traceId) || /^0+$/.test(parent.spanId)) return undefined;
  return `00-${parent.traceId}-${parent.spanId}-${parent.sampled ? '01' : '00'}`;
}

/** Reads a header; undefined when it is not a valid version-00 `traceparent`. */
export function parseTraceParent(text: string): TraceParent | undefined {
  const m = PATTERN.exec(text.trim());
  if (!m || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return undefined;
  return { traceId: m[1], spanId: m[2], sampled: (parseInt(m[3], 16) & 1) === 1 };
}
