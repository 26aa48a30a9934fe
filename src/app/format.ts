/** Small formatting helpers for the panels. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} bytes` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** Micrometres per pixel to four significant digits: 0.4990000020466797 → "0.499". */
export function formatMpp(v: number): string {
  return String(Number(v.toPrecision(4)));
}

export function formatDownsample(v: number): string {
  return String(Number(v.toFixed(3)));
}

/** A density or count to whole units with thousands separators: 1234.6 → "1,235" (en: the panels' locale). */
export function formatCount(v: number): string {
  return Number.isFinite(v) ? Math.round(v).toLocaleString('en') : '—';
}

/** A fraction 0..1 as a percentage to one decimal: 0.1234 → "12.3%". */
export function formatPercent(v: number | null): string {
  return v != null && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '—';
}

/** An area in mm², to three decimals below 10 mm² (a region), to one above (a slide). */
export function formatMm2(v: number): string {
  return Number.isFinite(v) ? `${v < 10 ? v.toFixed(3) : v.toFixed(1)} mm²` : '—';
}

/** A ratio 0..1 to two decimals, "—" when it is not defined (no lymphocytes and no tumour cells). */
export function formatRatio(v: number | null): string {
  return v != null && Number.isFinite(v) ? v.toFixed(2) : '—';
}
