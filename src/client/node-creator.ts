/** {@link NodeCreator}: the client's creates — plain, protected, with parents — and what it learnt about containers. */
import { Deadline } from './deadline';
import { ZkError } from './errors';
import type { ResolvedOptions } from './options';
import type { OperationRunner } from './operation-runner';
import { joinPath, nodeName, parentPath, validatePath } from './paths';
import { findProtectedNode, protectedPrefix } from './protected-create';
import type { RequestSizes } from './request-sizes';
import type { CreateMode, CreateOptions, CreateResult, NodeData, Stat, WaitOptions } from './types';
import { checkRequestSize, toPayload, validateAcl, validateMode, validateTtl, validateWaitOptions } from './validate';
import { createNode, wireAccess, type ParentNodes } from './wire-ops';

/** Makes nodes for one client; kept apart because a create is the one operation with a recovery protocol. */
export class NodeCreator {
  /** Set once the server or transport refused a container: `createParents: 'container'` makes persistent parents. */
  private noContainers = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly sizes: RequestSizes,
    private readonly runner: OperationRunner,
  ) {}

  async create(path: string, data: NodeData | undefined, options: CreateOptions & WaitOptions): Promise<{ path: string; stat: Stat | undefined }> {
    const mode: CreateMode = validateMode(options.mode);
    const ttlMs = validateTtl(mode, options.ttlMs);
    const sequential = mode.endsWith('sequential') || mode === 'persistent-sequential-with-ttl';
    validatePath(path);
    if (path === '/') throw new TypeError('cannot create the root node');
    validateWaitOptions(options);
    const payload = toPayload(data);
    const acl = options.acl === undefined ? this.options.defaultAcl : validateAcl(options.acl);
    const deadline = Deadline.from(options, this.options.operationTimeoutMs);
    const createParents = options.createParents === true || options.createParents === 'container' ? options.createParents : false;
    const node = { data: payload, acl, mode, ttlMs };
    if (!options.protected) {
      const full = this.runner.full(path);
      checkRequestSize(this.sizes.create(full, payload, acl, mode), 'create');
      return this.runner.execute('create', path, deadline, !sequential, async (wire) =>
        this.relativeCreated(await createNode(wire, { path: full, ...node }, this.parentNodes(createParents))),
      );
    }
    const prefix = protectedPrefix();
    const fullParent = this.runner.full(parentPath(path));
    const full = joinPath(fullParent, prefix + nodeName(path));
    checkRequestSize(this.sizes.create(full, payload, acl, mode), 'create');
    let mayExist = false;
    return this.runner.execute('create', path, deadline, true, async (wire) => {
      if (mayExist) {
        const found = await findProtectedNode(wireAccess(wire), fullParent, prefix, mode.startsWith('ephemeral'));
        if (found !== undefined) return this.relativeCreated(found);
      }
      mayExist = true;
      return this.relativeCreated(await createNode(wire, { path: full, ...node }, this.parentNodes(createParents)));
    });
  }

  /** A create that must return the Stat (create2); refused before anything is sent where none comes back. */
  async createWithStat(path: string, data: NodeData | undefined, options: CreateOptions & WaitOptions): Promise<CreateResult> {
    // Refused before anything is sent: a caller that falls back to create() must not find a node made already.
    const unimplemented = (): ZkError =>
      new ZkError(`create ${path}: UNIMPLEMENTED (the ${this.options.transport} transport cannot return the Stat)`, {
        code: 'UNIMPLEMENTED',
        operation: 'create',
        path,
      });
    if (this.options.transport === 'node-zookeeper-client') throw unimplemented();
    const created = await this.create(path, data, options);
    if (created.stat === undefined) throw unimplemented();
    return { path: created.path, stat: created.stat };
  }

  private relativeCreated(created: { path: string; stat: Stat | undefined }): { path: string; stat: Stat | undefined } {
    return { path: this.runner.relative(created.path), stat: created.stat };
  }

  /**
   * How a create makes missing parents (none when not asked). Containers are asked for until the server or
   * transport refused one (`UNIMPLEMENTED`); from then on this client makes persistent parents.
   */
  private parentNodes(createParents: boolean | 'container'): ParentNodes | undefined {
    if (createParents === false) return undefined;
    return {
      acl: this.options.defaultAcl,
      container: createParents === 'container' && !this.noContainers,
      onContainersRefused: () => (this.noContainers = true),
    };
  }
}
