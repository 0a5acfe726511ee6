/** Latency statistics and the JSON line format shared with ../shared/bench-peers (median, p99, mean, max in µs). */

/** Summary of a list of durations in nanoseconds. */
export interface Latency {
  median_us: number;
  p99_us: number;
  mean_us: number;
  max_us: number;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Median / p99 / mean / max of durations given in nanoseconds, in microseconds. */
export function latency(durationsNs: readonly number[]): Latency {
  const sorted = [...durationsNs].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median_us: NaN, p99_us: NaN, mean_us: NaN, max_us: NaN };
  return {
    median_us: round1(sorted[Math.floor((n - 1) / 2)]! / 1e3),
    p99_us: round1(sorted[Math.ceil(0.99 * n) - 1]! / 1e3),
    mean_us: round1(sorted.reduce((a, b) => a + b, 0) / n / 1e3),
    max_us: round1(sorted[n - 1]! / 1e3),
  };
}

/** Median of plain numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Operations per second for `n` operations over `wallNs`. */
export function opsPerSecond(n: number, wallNs: number): number {
  return round1(n / (wallNs / 1e9));
}

/** Monotonic time in nanoseconds (comparable across processes on Linux: CLOCK_MONOTONIC). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Rounds to one decimal. */
export { round1 };
