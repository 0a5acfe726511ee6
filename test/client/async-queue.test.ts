/** AsyncQueue and Fanout alone (no server): order, end, errors, abort, return(), bounded buffers. */
import { AsyncQueue, Fanout } from '../../src/client/async-queue';

async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const value of iterable) seen.push(value);
  return seen;
}

test('values pushed before and while reading come out in order, then the end', async () => {
  const queue = new AsyncQueue<number>();
  queue.push(1);
  const reading = drain(queue);
  queue.push(2);
  await Promise.resolve();
  queue.push(3);
  queue.end();
  expect(queue.push(4)).toBe(false);
  expect(await reading).toEqual([1, 2, 3]);
});

test('end(error) rejects the reader after what was buffered', async () => {
  const queue = new AsyncQueue<string>();
  queue.push('a');
  queue.end(new Error('boom'));
  expect(await queue.next()).toEqual({ value: 'a', done: false });
  await expect(queue.next()).rejects.toThrow('boom');
  expect(await queue.next()).toEqual({ value: undefined, done: true });
});

test('an abort rejects a pending next() with signal.reason, runs onClose once and removes its listener', async () => {
  const controller = new AbortController();
  let closes = 0;
  const queue = new AsyncQueue<number>({ signal: controller.signal, onClose: () => closes++ });
  const pending = queue.next();
  const reason = new Error('stop');
  controller.abort(reason);
  await expect(pending).rejects.toBe(reason);
  expect(closes).toBe(1);
  queue.end();
  expect(closes).toBe(1);
});

test('an already aborted signal ends the queue at once', async () => {
  const queue = new AsyncQueue<number>({ signal: AbortSignal.abort(new Error('early')) });
  expect(queue.closed).toBe(true);
  await expect(queue.next()).rejects.toThrow('early');
});

test('break (return()) closes the queue and drops what was buffered', async () => {
  let closes = 0;
  const queue = new AsyncQueue<number>({ onClose: () => closes++ });
  queue.push(1);
  queue.push(2);
  for await (const value of queue) {
    expect(value).toBe(1);
    break;
  }
  expect(closes).toBe(1);
  expect(queue.closed).toBe(true);
  expect(await queue.next()).toEqual({ value: undefined, done: true });
});

test('maxBuffered keeps the newest values for a reader that is behind', async () => {
  const queue = new AsyncQueue<number>({ maxBuffered: 2 });
  for (let i = 1; i <= 5; i++) queue.push(i);
  queue.end();
  expect(await drain(queue)).toEqual([4, 5]);
});

test('two next() calls at once are refused rather than losing a value', async () => {
  const queue = new AsyncQueue<number>();
  const first = queue.next();
  await expect(queue.next()).rejects.toThrow(/another next/);
  queue.push(7);
  expect(await first).toEqual({ value: 7, done: false });
});

test('Fanout hands every value to every open iterator and forgets closed ones', async () => {
  const fanout = new Fanout<number>();
  const a = fanout.iterate({ initial: [0] });
  const b = fanout.iterate();
  expect(fanout.size).toBe(2);
  fanout.push(1);
  await b.return();
  expect(fanout.size).toBe(1);
  fanout.push(2);
  fanout.end();
  expect(await drain(a)).toEqual([0, 1, 2]);
  expect(await drain(b)).toEqual([]);
  expect(await drain(fanout.iterate({ initial: [9] }))).toEqual([9]);
  expect(fanout.size).toBe(0);
});
