/** {@link ZkTransaction}: the builder behind `client.transaction()`; every op is checked when added. */
import { validatePath } from './paths';
import type { Acl, CreateMode, NodeData, Transaction, TransactionOp, TransactionResult, WaitOptions } from './types';
import { toPayload, validateAcl, validateMode, validateTtl, validateVersion, validateWaitOptions } from './validate';

/** Collects operations and commits them atomically through the client. */
export class ZkTransaction implements Transaction {
  private readonly collected: TransactionOp[] = [];
  private committed = false;

  constructor(private readonly commitOps: (ops: readonly TransactionOp[], options?: WaitOptions) => Promise<TransactionResult[]>) {}

  /** The operations added so far. */
  get ops(): readonly TransactionOp[] {
    return this.collected;
  }

  /** Adds a create. */
  create(path: string, data?: NodeData, options: { mode?: CreateMode; acl?: Acl[]; ttlMs?: number } = {}): this {
    const mode = validateMode(options?.mode);
    const ttlMs = validateTtl(mode, options.ttlMs);
    validatePath(path);
    toPayload(data);
    if (options.acl !== undefined) validateAcl(options.acl);
    this.collected.push({ type: 'create', path, data, mode, acl: options.acl, ...(ttlMs === undefined ? {} : { ttlMs }) });
    return this;
  }

  /** Adds a setData, conditional on `version` when given. */
  setData(path: string, data: NodeData, version?: number): this {
    validatePath(path);
    toPayload(data);
    this.collected.push({ type: 'setData', path, data, version: validateVersion(version) });
    return this;
  }

  /** Adds a delete, conditional on `version` when given. */
  delete(path: string, version?: number): this {
    validatePath(path);
    this.collected.push({ type: 'delete', path, version: validateVersion(version) });
    return this;
  }

  /** Adds a check that the node exists (at `version`, when given). */
  check(path: string, version?: number): this {
    validatePath(path);
    this.collected.push({ type: 'check', path, version: validateVersion(version) });
    return this;
  }

  /** Commits all operations atomically; can be called once. */
  async commit(options?: WaitOptions): Promise<TransactionResult[]> {
    validateWaitOptions(options);
    if (this.committed) throw new Error('transaction already committed');
    if (this.collected.length === 0) throw new RangeError('transaction has no operations');
    this.committed = true;
    return this.commitOps(this.collected, options);
  }
}
