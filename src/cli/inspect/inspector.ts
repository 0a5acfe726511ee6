/** What every `zk-recipes inspect <kind>` is: one file per kind under `src/cli/inspect/`, listed in `index.ts`. */
import type { ZkClient } from '../../index';
import type { Output } from '../output';

/** Reads one recipe's nodes under a path and reports them. */
export interface Inspector {
  /** One line for `--help`: what it shows. */
  readonly summary: string;
  /**
   * The name of an optional argument after the path (`name` for `inspect service <basePath> [name]`), when
   * the inspector takes one.
   */
  readonly optionalArg?: string;
  /** Said after "<path> does not exist" when a missing path means something for this recipe. */
  readonly whenMissing?: string;
  /** Reads the recipe at `path` (which exists) and reports it; `arg` is the optional argument, when given. */
  inspect(client: ZkClient, path: string, arg: string | undefined): Promise<Output>;
}
