/** Client packets the server(s) received, from `mntr` (less our own probes): round trips a workload costs. */
import { fourLetterWord } from '../src/testing';
import { ZK } from './env';

let probes = 0;

/** Sum of `zk_packets_received` over the servers in ZK, minus the probes this process sent. */
export async function serverPackets(): Promise<number> {
  let sum = 0;
  for (const hostPort of ZK.split('/')[0]!.split(',')) {
    const [host, port] = hostPort.split(':');
    probes += 1;
    const out = await fourLetterWord(host!, Number(port), 'mntr');
    sum += Number(/zk_packets_received\s+(\d+)/.exec(out)?.[1] ?? NaN);
  }
  return sum - probes;
}
