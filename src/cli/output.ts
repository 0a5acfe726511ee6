/** What a command prints: a JSON value for `--json`, and lines of text for people. */
import type { Stat } from '../index';
import { sessionIdHex } from '../client/stat';

/** The result of a command, in both of its forms. */
export interface Output {
  /** Printed with `--json` (no bigints: zxids are hex strings). */
  readonly json: unknown;
  /** Printed otherwise. */
  readonly text: string;
}

/** A {@link Stat} as JSON: zxids as `0x` hex (as ZooKeeper's own tools show them), times as ISO strings. */
export interface StatJson {
  czxid: string;
  mzxid: string;
  pzxid: string;
  ctime: string;
  mtime: string;
  version: number;
  cversion: number;
  aversion: number;
  /** Session id of the owner of an ephemeral node, `null` for a persistent one. */
  ephemeralOwner: string | null;
  dataLength: number;
  numChildren: number;
}

/** Converts a stat for JSON output. */
export function statJson(stat: Stat): StatJson {
  return {
    czxid: `0x${stat.czxid.toString(16)}`,
    mzxid: `0x${stat.mzxid.toString(16)}`,
    pzxid: `0x${stat.pzxid.toString(16)}`,
    ctime: new Date(stat.ctime).toISOString(),
    mtime: new Date(stat.mtime).toISOString(),
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    ephemeralOwner: stat.ephemeralOwner === 0n ? null : sessionIdHex(stat.ephemeralOwner),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  };
}

/** A duration for people: `850 ms`, `42 s`, `7 min`, `3 h`, `2 d`. */
export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}
