import { describe, expect, it } from 'vitest';
import { formatTraceParent, parseTraceParent } from '../../../src/telemetry/traceparent.js';

describe('W3C traceparent', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const spanId = '00f067aa0ba902b7';

  it('formats and reads back version 00 (the spec example)', () => {
    const text = formatTraceParent({ traceId, spanId, sampled: true });
    expect(text).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(parseTraceParent(text!)).toEqual({ traceId, spanId, sampled: true });
    expect(parseTraceParent(`00-${traceId}-${spanId}-00`)).toEqual({ traceId, spanId, sampled: false });
  });

  it('refuses all-zero ids, other versions, upper case and wrong lengths', () => {
    expect(formatTraceParent({ traceId: '0'.repeat(32), spanId, sampled: true })).toBeUndefined();
    for (const bad of [`00-${'0'.repeat(32)}-${spanId}-01`, `00-${traceId}-${'0'.repeat(16)}-01`, `01-${traceId}-${spanId}-01`,
      `00-${traceId.toUpperCase()}-${spanId}-01`, `00-${traceId}-${spanId}-1`, `00-${traceId.slice(1)}-${spanId}-01`, '']) {
      expect(parseTraceParent(bad)).toBeUndefined();
    }
  });
});
