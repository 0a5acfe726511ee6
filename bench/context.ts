/** What every zk-recipes workload gets: its peer name, library label, znode root and a way to connect. */
import type { ZkClient } from '../src';

/** Shared context of the workloads. */
export interface WorkloadContext {
  /** Peer name in the JSON lines. */
  peer: string;
  /** Library and version label. */
  lib: string;
  /** Znode root of this peer (`/bench/<peer>`). */
  root: string;
  /** A new connected client (session timeout 15 s unless given). */
  connect: (sessionTimeoutMs?: number) => Promise<ZkClient>;
}
