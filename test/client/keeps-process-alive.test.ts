/**
 * A client that is not closed keeps its process alive, connected or not: a worker whose only handle is its
 * client (waiting for a lock, say) must not exit in silence while the client waits to reconnect.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { TestingProxy } from '../../src/testing';
import { scaled, waitForEvent } from '../helpers';
import { sharedServer } from '../helpers/shared-server';

const server = sharedServer();
let child: ChildProcessWithoutNullStreams | undefined;
let proxy: TestingProxy | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  await proxy?.close();
});

test('a process whose only handle is a disconnected client stays up, sees its session lost, and reconnects', async () => {
  proxy = await TestingProxy.start(server.connectString);
  const script = path.join(__dirname, 'fixtures', 'client-only.ts');
  const started = spawn(process.execPath, ['--import', 'tsx', script, proxy.connectString, '2000'], { cwd: path.join(__dirname, '..', '..') });
  child = started;
  const exited = new Promise<never>((_, reject) => {
    started.once('exit', (code, signal) => reject(new Error(`the process exited (code ${code}, signal ${signal}) while its client was open`)));
  });
  exited.catch(() => undefined);
  const lines = readline.createInterface({ input: started.stdout });
  const line = (wanted: string): Promise<unknown> =>
    Promise.race([waitForEvent(lines as never, 'line', (text: string) => text === wanted, scaled(60_000)), exited]);

  await line('connected');
  const lost = line('lost');
  proxy.rejectConnections(true);
  proxy.cut();
  await lost; // 2 s of reconnect attempts, every one refused, with no other handle in the process
  const reconnected = line('reconnected');
  proxy.rejectConnections(false);
  await reconnected;
});
