/** The client's multi-op requests: a transaction (atomic) and a multiRead (each read on its own). */
import { inspect } from 'node:util';
import { Deadline } from './deadline';
import { isZkError, type ZkError } from './errors';
import type { ResolvedOptions } from './options';
import type { OperationRunner } from './operation-runner';
import { validatePath } from './paths';
import type { RequestSizes } from './request-sizes';
import type { DataResult, MultiReadOp, MultiReadResult, TransactionOp, TransactionResult, WaitOptions } from './types';
import { checkRequestSize, encodedSize, toPayload, validateWaitOptions } from './validate';

/** What a multi-op needs of its client: the runner, the resolved options and the request-size limits. */
export interface MultiOpContext {
  readonly runner: OperationRunner;
  readonly options: ResolvedOptions;
  readonly sizes: RequestSizes;
}

/** Sends a {@link ZkClient.multiRead}; each failed read is re-labelled with its caller's path. */
export async function multiRead(ctx: MultiOpContext, ops: readonly MultiReadOp[], options: WaitOptions): Promise<MultiReadResult[]> {
  const { runner, sizes } = ctx;
  const given: unknown = ops; // checked as a JavaScript caller may pass it (narrowing `ops` itself would make its items `any`)
  if (!Array.isArray(given) || given.length === 0) throw new TypeError('multiRead takes a non-empty array of { type, path }');
  for (const op of ops) {
    const type: unknown = op?.type;
    if (type !== 'getData' && type !== 'getChildren') throw new TypeError(`multiRead op type must be getData or getChildren, got ${inspect(type)}`);
    validatePath(op.path);
  }
  validateWaitOptions(options);
  const full = ops.map((op) => ({ type: op.type, path: runner.full(op.path) }));
  checkRequestSize(encodedSize.header + full.reduce((sum, op) => sum + 9 + sizes.path(op.path) + 1, 9), 'multiRead');
  return runner.execute('multiRead', undefined, Deadline.from(options, ctx.options.operationTimeoutMs), true, async (wire) =>
    (await wire.multiRead(full)).map((result, index) => {
      const op = ops[index];
      return result.type === 'error' && op !== undefined ? { type: 'error', error: runner.withCallerPath(result.error, op.path) } : result;
    }),
  );
}

/**
 * Sends a {@link ZkClient.getMany}: the data of every path in one multiRead, `null` for a node that does not
 * exist; any other failed read rejects the whole call with that read's error.
 */
export async function getMany(ctx: MultiOpContext, paths: readonly string[], options: WaitOptions): Promise<Array<DataResult | null>> {
  const given: unknown = paths;
  if (!Array.isArray(given) || given.length === 0) throw new TypeError('getMany takes a non-empty array of paths');
  const results = await multiRead(
    ctx,
    paths.map((path) => ({ type: 'getData', path })),
    options,
  );
  return results.map((result) => {
    if (result.type === 'getData') return { data: result.data, stat: result.stat };
    if (result.type === 'error' && isZkError(result.error, 'NO_NODE')) return null;
    throw result.type === 'error' ? result.error : new Error(`getMany: a getData answered with ${result.type}`);
  });
}

/** Commits a transaction's ops; the failed op's error carries its caller's path. */
export function commitTransaction(ctx: MultiOpContext, ops: readonly TransactionOp[], options: WaitOptions | undefined): Promise<TransactionResult[]> {
  const { runner } = ctx;
  const wireOps = ops.map((op) => {
    const full = runner.full(op.path);
    switch (op.type) {
      case 'create':
        return { ...op, path: full, data: toPayload(op.data), acl: op.acl ?? ctx.options.defaultAcl };
      case 'setData':
        return { ...op, path: full, data: toPayload(op.data) };
      default:
        return { ...op, path: full };
    }
  });
  checkRequestSize(ctx.sizes.transaction(wireOps), 'transaction');
  const deadline = Deadline.from(options, ctx.options.operationTimeoutMs);
  // A multi-op is not idempotent (a create would fail, an unversioned setData apply twice): never retried.
  return runner.execute('transaction', undefined, deadline, false, async (wire) => {
    try {
      const results = await wire.transaction(wireOps);
      return results.map((result) => (result.type === 'create' ? { type: 'create', path: runner.relative(result.path) } : result));
    } catch (error) {
      const failed = isZkError(error) && error.failedOp !== undefined ? ops[error.failedOp] : undefined;
      throw failed ? runner.withCallerPath(error as ZkError, failed.path) : error;
    }
  });
}
