/** What every `zk-recipes inspect <kind>` is: one file per kind under `src/cli/inspect/`, listed in `index.ts`. */
import type { ZkClient } from '../../index';
import type { Output } from '../output';

/** Reads one recipe's nodes under a path and reports them. */
export interface Inspector {
  /** One line for `--help`: what it shows. */
  readonly summary: string;
  /** Reads the recipe at `path` (which exists) and reports it. */
  inspect(client: ZkClient, path: string): Promise<Output>;
}
