/** `zk-recipes tree <path>`: the subtree under a path, each node with its stat. */
import { isZkError, joinPath, type ZkClient } from '../index';
import { formatAge, statJson, type Output, type StatJson } from './output';

/** A node of the tree and its subtree. */
export interface TreeNode {
  /** Full path. */
  path: string;
  /** The node's stat. */
  stat: StatJson;
  /** Its children, by name. */
  children: TreeNode[];
}

/** Reads the subtree under `path`; rejects with the client's `NO_NODE` error when it does not exist. */
export async function tree(client: ZkClient, path: string): Promise<Output> {
  const root = await readTree(client, path);
  const lines: string[] = [];
  const now = Date.now();
  const walk = (node: TreeNode, depth: number): void => {
    const name = depth === 0 ? node.path : node.path.slice(node.path.lastIndexOf('/') + 1);
    lines.push(`${'  '.repeat(depth)}${name}  ${describe(node.stat, now)}`);
    for (const child of node.children) walk(child, depth + 1);
  };
  walk(root, 0);
  return { json: root, text: lines.join('\n') };
}

/** The subtree at `path`; nodes below it that are deleted while reading are left out. */
async function readTree(client: ZkClient, path: string): Promise<TreeNode> {
  const listing = await client.getChildren(path);
  const children = await Promise.all(
    listing.children.sort().map((name) =>
      readTree(client, joinPath(path, name)).catch((error: unknown) => {
        if (isZkError(error, 'NO_NODE')) return undefined;
        throw error;
      }),
    ),
  );
  return { path, stat: statJson(listing.stat), children: children.filter((child): child is TreeNode => child !== undefined) };
}

function describe(stat: StatJson, now: number): string {
  const owner = stat.ephemeralOwner === null ? 'persistent' : `ephemeral, session 0x${stat.ephemeralOwner}`;
  const age = formatAge(now - Date.parse(stat.ctime));
  return `(${stat.dataLength} B, ${stat.numChildren} children, ${owner}, version ${stat.version}, created ${age} ago)`;
}
