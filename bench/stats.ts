/** Median, p99 and spread of a list of milliseconds, rounded for reports. */
export function stats(xs: number[]): { median: number; p99: number; min: number; n: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  const r = (n: number) => Math.round(n * 1000) / 1000;
  return { median: r(q(0.5)), p99: r(q(0.99)), min: r(s[0]), n: s.length };
}

export async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}
