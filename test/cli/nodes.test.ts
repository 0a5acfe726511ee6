/** `zk-recipes tree` and `zk-recipes get` against a real server, as JSON and as text. */
import { sharedServer } from '../helpers/shared-server';
import { Clients } from '../helpers/clients';
import { cli, cliJson } from './support';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'cli' });
beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());

interface Stat {
  czxid: string;
  version: number;
  ephemeralOwner: string | null;
  dataLength: number;
  numChildren: number;
}

interface TreeNode {
  path: string;
  stat: Stat;
  children: TreeNode[];
}

test('tree: the subtree with each node’s stat, children by name', async () => {
  const client = await clients.start();
  await client.create('/app/config', 'v1', { createParents: true });
  await client.setData('/app/config', 'v2');
  await client.create('/app/workers/b', 'x', { createParents: true, mode: 'ephemeral' });
  await client.create('/app/workers/a', 'xyz', { mode: 'ephemeral' });
  const root = `${clients.namespace}/app`;

  const tree = await cliJson<TreeNode>(server.connectString, 'tree', root);
  const shape = (node: TreeNode): unknown => [node.path.slice(root.length) || '/', node.stat.dataLength, node.stat.ephemeralOwner, node.children.map(shape)];
  expect(shape(tree)).toEqual([
    '/',
    0,
    null,
    [
      ['/config', 2, null, []],
      [
        '/workers',
        0,
        null,
        [
          ['/workers/a', 3, client.sessionId, []],
          ['/workers/b', 1, client.sessionId, []],
        ],
      ],
    ],
  ]);
  expect(tree.children[0]!.stat.version).toBe(1);
  expect(tree.stat.czxid).toMatch(/^0x[0-9a-f]+$/);

  const text = await cli('--connect', server.connectString, 'tree', root);
  expect(text.status).toBe(0);
  expect(text.stdout.split('\n')[0]).toMatch(new RegExp(`^${root}  \\(0 B, 2 children, persistent, version 0, created \\d+ (ms|s) ago\\)$`));
  expect(text.stdout).toContain(`\n    a  (3 B, 0 children, ephemeral, session 0x${client.sessionId}, version 0, created `);
});

test('get: the data as UTF-8 and the stat', async () => {
  const client = await clients.start();
  await client.create('/config', JSON.stringify({ batch: 100 }));
  const path = `${clients.namespace}/config`;

  const json = await cliJson<{ path: string; data: string; stat: Stat }>(server.connectString, 'get', path);
  expect(json).toMatchObject({ path, data: '{"batch":100}', stat: { version: 0, dataLength: 13, ephemeralOwner: null } });

  const text = await cli('--connect', server.connectString, 'get', path);
  expect(text.stdout).toMatch(/^\{"batch":100\}\n\nczxid = 0x[0-9a-f]+\n/);
  expect(text.stdout).toContain('\ndataLength = 13\n');
});
