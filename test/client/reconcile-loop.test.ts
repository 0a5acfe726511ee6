/** ReconcileLoop alone (no server): one step at a time, kicks folded, backoff retries, nothing left after stop(). */
import { ZkError } from '../../src/client';
import type { ConnectionState } from '../../src/client/types';
import { ReconcileLoop } from '../../src/client/reconcile-loop';

/** A loop over a scripted step: each call takes the next outcome (resolve, or throw the given error). */
function scripted(outcomes: Array<unknown>, state: { state: ConnectionState } = { state: 'connected' }) {
  const calls: number[] = [];
  const errors: Error[] = [];
  let active = true;
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const loop = new ReconcileLoop(state, {
    step: async () => {
      calls.push(Date.now());
      if (gate !== undefined) await gate;
      const outcome = outcomes.shift();
      if (outcome !== undefined) throw outcome;
    },
    active: () => active,
    onError: (error) => errors.push(error),
  });
  return {
    loop,
    calls,
    errors,
    state,
    deactivate: () => (active = false),
    hold: () => (gate = new Promise((resolve) => (release = resolve))),
    open: () => {
      gate = undefined;
      release?.();
    },
  };
}

/** Lets every pending promise callback run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

afterEach(() => jest.useRealTimers());

test('kicks while a step runs fold into one more step', async () => {
  const s = scripted([]);
  s.hold();
  s.loop.kick();
  expect(s.loop.busy).toBe(true);
  s.loop.kick();
  s.loop.kick();
  s.open();
  await settle();
  expect(s.calls).toHaveLength(2);
  expect(s.loop.busy).toBe(false);
});

test('a failure is reported (unless it is a connection error) and retried after 50 ms, doubling, reset after a success', async () => {
  jest.useFakeTimers({ now: 0 });
  const boom = new Error('boom');
  const lost = new ZkError('connection lost', { code: 'CONNECTION_LOSS', operation: 'exists', path: '/x' });
  const s = scripted([boom, lost, undefined, boom]);
  s.loop.kick();
  await settle();
  expect(s.errors).toEqual([boom]);
  await jest.advanceTimersByTimeAsync(49);
  expect(s.calls).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(1);
  expect(s.calls).toEqual([0, 50]);
  expect(s.errors).toEqual([boom]); // the connection loss is not reported
  await jest.advanceTimersByTimeAsync(100);
  expect(s.calls).toEqual([0, 50, 150]);
  s.loop.kick(); // after the success: fails again, first retry after 50 ms again
  await settle();
  await jest.advanceTimersByTimeAsync(50);
  expect(s.calls).toEqual([0, 50, 150, 150, 200]);
  expect(s.errors).toEqual([boom, boom]);
});

test('not connected: no timer; the owner kicks on reconnect', async () => {
  jest.useFakeTimers();
  const s = scripted([new Error('boom')], { state: 'suspended' });
  s.loop.kick();
  await settle();
  expect(jest.getTimerCount()).toBe(0);
  expect(s.errors).toHaveLength(1);
});

test('stop() leaves no timer; once inactive, kicks do nothing', async () => {
  jest.useFakeTimers();
  const s = scripted([new Error('boom')]);
  s.loop.kick();
  await settle();
  expect(jest.getTimerCount()).toBe(1);
  s.deactivate();
  s.loop.stop();
  expect(jest.getTimerCount()).toBe(0);
  s.loop.kick();
  await settle();
  expect(s.calls).toHaveLength(1);
});

test('an error listener that closes the owner: no retry is scheduled', async () => {
  jest.useFakeTimers();
  const errors: Error[] = [];
  const loop = new ReconcileLoop({ state: 'connected' }, {
    step: () => Promise.reject(new Error('boom')),
    active: () => errors.length === 0,
    onError: (error) => errors.push(error),
  });
  loop.kick();
  await settle();
  expect(errors).toHaveLength(1);
  expect(jest.getTimerCount()).toBe(0);
});
