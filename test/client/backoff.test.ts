/** The one background retry schedule. */
import { Backoff, BACKOFF_MAX_MS, BACKOFF_MIN_MS } from '../../src/client/backoff';

test('50 ms doubling up to 2 s, back to 50 ms after a reset', () => {
  const backoff = new Backoff();
  const pauses = Array.from({ length: 8 }, () => backoff.next());
  expect(pauses).toEqual([50, 100, 200, 400, 800, 1600, 2000, 2000]);
  expect([BACKOFF_MIN_MS, BACKOFF_MAX_MS]).toEqual([50, 2000]);
  backoff.reset();
  expect(backoff.next()).toBe(50);
});
