// Kubernetes-style quantities, as Margo writes memory, storage and CPU: `512Mi`, `2Gi`,
// `59 Gi` (device capabilities put a space before the unit), `1.5` cores, `500m` CPU.

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Bytes in `512Mi`, `2Gi`, `59 Gi`, `1G` or a plain number of bytes; undefined when it is none of these. */
export function parseBytes(quantity: unknown): number | undefined {
  if (typeof quantity === 'number') return Number.isFinite(quantity) && quantity >= 0 ? Math.ceil(quantity) : undefined;
  if (typeof quantity !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?) ?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(quantity.trim());
  if (!m) return undefined;
  const unit = m[2] === undefined ? 1 : (BINARY[m[2]] ?? DECIMAL[m[2]]);
  return Math.ceil(Number(m[1]) * unit);
}

/** CPU cores in `1.5`, `2`, `500m` (millicores) or a plain number; undefined otherwise. */
export function parseCpuCores(quantity: unknown): number | undefined {
  if (typeof quantity === 'number') return Number.isFinite(quantity) && quantity >= 0 ? quantity : undefined;
  if (typeof quantity !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(quantity.trim());
  if (!m) return undefined;
  return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}

/** Bytes in the largest binary unit that holds them exactly (`536870912` → `512Mi`), else plain bytes. */
export function formatBytes(bytes: number): string {
  for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    const size = BINARY[unit];
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** Bytes for a person: exact when short (`1025Mi`, `512Mi`), else rounded to one decimal (`1.9Gi`, `12 bytes`). */
export function describeBytes(bytes: number): string {
  const exact = formatBytes(bytes);
  if (/^\d{1,4}[KMGTPE]i$/.test(exact)) return exact;
  for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    const size = BINARY[unit];
    if (bytes >= size) return `${Math.round((bytes / size) * 10) / 10}${unit}`;
  }
  return `${bytes} bytes`;
}
