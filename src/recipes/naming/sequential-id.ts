/** {@link SequentialIdGenerator}: unique ids from ZooKeeper's sequential nodes, one round trip per id. */
import { joinPath, validatePath } from '../../client/paths';
import type { WaitOptions, ZooKeeperClient } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { checkClient } from '../shared/check-client';
import { optionsObject } from '../shared/options';
import { parseSequentialNode } from '../shared/sequential-nodes';
import { validateNodeName } from './instance';

/** Options of a {@link SequentialIdGenerator}. */
export interface SequentialIdGeneratorOptions {
  /** The name of the nodes made under the path (ZooKeeper appends the 10-digit sequence). @default 'id-' */
  prefix?: string;
}

/** The options with their defaults applied. */
export interface ResolvedSequentialIdGeneratorOptions {
  /** See {@link SequentialIdGeneratorOptions.prefix}. */
  prefix: string;
}

/** Applies the defaults; throws `TypeError` naming the option. */
export function resolveSequentialIdGeneratorOptions(options: SequentialIdGeneratorOptions | undefined): ResolvedSequentialIdGeneratorOptions {
  const { prefix = 'id-' } = optionsObject(options, 'SequentialIdGenerator');
  try {
    validateNodeName(prefix, 'id');
  } catch (error) {
    throw new TypeError(`SequentialIdGenerator: prefix ${(error as Error).message.replace(/^service instance id: /, '')}`);
  }
  return { prefix };
}

/**
 * Hands out ids unique across every client of the path: each `next()` creates an ephemeral-sequential node
 * `<path>/<prefix><seq10>`, takes ZooKeeper's sequence as the id and deletes the node again (in the
 * background; a node a failed call left behind goes with its session). Ids grow with every call on the
 * path, from any client; a failed call may skip one. The sequence is the parent's 32-bit child counter:
 * about 2 billion ids per path. For more, or for no round trip per id, use {@link IdBlockAllocator}.
 *
 * @example
 * ```ts
 * const ids = new SequentialIdGenerator(client, '/ids/orders');
 * const orderId = await ids.next();            // e.g. 42
 * ```
 */
export class SequentialIdGenerator {
  /** The parent of the sequential nodes. */
  readonly path: string;
  private readonly client: ZooKeeperClient;
  private readonly prefix: string;

  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options?: SequentialIdGeneratorOptions) {
    checkClient(client, 'SequentialIdGenerator');
    validatePath(path, 'SequentialIdGenerator path');
    this.client = client;
    this.path = path;
    this.prefix = resolveSequentialIdGeneratorOptions(options).prefix;
  }

  /** The next id. Rejects as the create does (e.g. `CONNECTION_LOSS`, timeout, abort); call again to retry. */
  async next(options: WaitOptions = {}): Promise<number> {
    validateWaitOptions(options);
    const created = await this.client.create(joinPath(this.path, this.prefix), undefined, {
      ...options,
      mode: 'ephemeral-sequential',
      createParents: true,
    });
    void this.client.delete(created).catch(() => undefined); // only tidiness: the node goes with the session anyway
    const node = parseSequentialNode(created.slice(created.lastIndexOf('/') + 1), [this.prefix]);
    if (node === undefined) throw new Error(`SequentialIdGenerator ${this.path}: unexpected node name ${created}`);
    return node.sequence;
  }
}
