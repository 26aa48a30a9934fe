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
