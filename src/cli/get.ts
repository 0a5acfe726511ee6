/** `zk-recipes get <path>`: a node's data (as UTF-8) and stat. */
import type { ZkClient } from '../index';
import { statJson, type Output } from './output';

/** Reads `path`; rejects with the client's `NO_NODE` error when it does not exist. */
export async function get(client: ZkClient, path: string): Promise<Output> {
  const { data, stat } = await client.getData(path);
  const s = statJson(stat);
  const text = [
    data.toString('utf8'),
    '',
    ...Object.entries(s).map(([key, value]) => `${key} = ${value === null ? '-' : String(value)}`),
  ];
  return { json: { path, data: data.toString('utf8'), stat: s }, text: text.join('\n') };
}
