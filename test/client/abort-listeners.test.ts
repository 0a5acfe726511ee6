/**
 * One abort signal shared by many waits (a service's shutdown signal passed to every call): the signal keeps
 * one listener whatever the number of waits (Node warns of a listener leak past ten), and an abort still
 * reaches every wait in progress — alone, through the operations of a real client, and through async
 * iterators.
 */
import { getEventListeners } from 'node:events';
import { onAbort } from '../../src/client/abort-listeners';
import { AsyncQueue } from '../../src/client/async-queue';
import { sharedServer } from '../helpers/shared-server';
import { ownNamespaceClients } from './support';

const server = sharedServer();
const clients = ownNamespaceClients(() => server.connectString);
afterEach(() => clients.closeAll());

test('onAbort: one listener on the signal for any number of callbacks; unregistered ones are not called', () => {
  const controller = new AbortController();
  const called: number[] = [];
  const stops = Array.from({ length: 100 }, (_, i) => onAbort(controller.signal, () => called.push(i)));
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
  for (const stop of stops.slice(0, 50)) stop();
  controller.abort();
  expect(called).toEqual(Array.from({ length: 50 }, (_, i) => 50 + i));
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
});

test('100 operations in flight with one signal: one listener; an abort rejects those still waiting', async () => {
  const client = await clients.start();
  await client.create('/n', 'x');
  const controller = new AbortController();
  const inFlight = Array.from({ length: 100 }, () => client.getData('/n', { signal: controller.signal }));
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
  const reads = await Promise.all(inFlight);
  expect(reads.every(({ data }) => data.toString() === 'x')).toBe(true);

  // 20 reads aborted in the tick that sends them, so before any reply can be handled.
  const aborted = Array.from({ length: 20 }, () => client.getData('/n', { signal: controller.signal }));
  const reason = new Error('shutting down');
  controller.abort(reason);
  const outcomes = await Promise.allSettled(aborted);
  expect(outcomes.every((outcome) => outcome.status === 'rejected' && outcome.reason === reason)).toBe(true);
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
});

test('50 iterators with one signal: one listener, and the abort ends every one with its reason', async () => {
  const controller = new AbortController();
  const queues: AsyncQueue<number>[] = [];
  for (let i = 0; i < 50; i += 1) queues.push(new AsyncQueue<number>({ signal: controller.signal }));
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
  const reading = queues.map((queue) => queue.next());
  queues[0]!.end(); // one ended by itself: its callback is gone, the others still listen
  const reason = new Error('stop');
  controller.abort(reason);
  const outcomes = await Promise.allSettled(reading);
  expect(outcomes[0]).toEqual({ status: 'fulfilled', value: { value: undefined, done: true } });
  expect(outcomes.slice(1).every((outcome) => outcome.status === 'rejected' && outcome.reason === reason)).toBe(true);
});
