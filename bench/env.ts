/** The bench-peers protocol's inputs: the connect string and the size variables, from the environment. */

/** Connect string of the ZooKeeper under test. */
export const ZK = process.env.ZK ?? '127.0.0.1:22181';

/** A size variable (RAW_N, WARMUP, LOCK_N, LOCK_CLIENTS, LOCK_CYCLES, FAILOVER_ROUNDS, CONFIG_READERS, CONFIG_WRITES). */
export function size(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}
