/**
 * The client survives anything a server can send. A fake server (the only place these tests do not use real
 * ZooKeeper: a real one never sends such things) answers with unknown error codes, unknown event types,
 * unreadable or unexpected replies and broken framing; the operation concerned fails with a ZkError, the
 * socket handler never throws, and the client keeps working.
 */
import { isZkError, type WatchEvent, ZkClient } from '../../src/client';
import { scaled, waitForState } from '../helpers';
import { FakeZooKeeper, jute, OP, requestPath, type FakeAnswer, type FakeRequest } from './fake-server';
import { rejectsWithCode, TRANSPORTS } from './support';

let fake: FakeZooKeeper;
let answer: (request: FakeRequest) => FakeAnswer;
let client: ZkClient;
const crashes: unknown[] = [];
const onCrash = (error: unknown): void => void crashes.push(error);

/** A normal answer for each op, so that a test only describes what is odd. */
function normal(request: FakeRequest): FakeAnswer {
  switch (request.type) {
    case OP.getData:
      return { payload: Buffer.concat([jute.string('data'), jute.stat(0, 4)]) };
    case OP.exists:
    case OP.setData:
      return { payload: jute.stat() };
    case OP.create:
      return { payload: jute.string(requestPath(request)) };
    case OP.create2:
      return { payload: Buffer.concat([jute.string(requestPath(request)), jute.stat()]) };
    case OP.sync:
      return { payload: jute.string(requestPath(request)) };
    case OP.getChildren2:
      return { payload: Buffer.concat([jute.int(0), jute.stat()]) };
    default:
      return {};
  }
}

beforeAll(async () => {
  fake = await FakeZooKeeper.start((request) => answer(request));
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
});
afterAll(async () => {
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  await fake?.close();
});

describe.each(TRANSPORTS)('%s transport', (transport) => {
  beforeEach(async () => {
    answer = normal;
    client = new ZkClient({ connectString: fake.connectString, sessionTimeoutMs: 3000, retry: { retries: 3 }, transport });
    await client.start();
    fake.connections = 0;
  });
  afterEach(async () => {
    await client.close();
    expect(crashes).toEqual([]);
  });

  test('an error code nobody knows fails the operation with UNKNOWN; the connection stays', async () => {
    answer = (request) => (requestPath(request) === '/odd' ? { err: -999 } : normal(request));
    for (const call of [
      () => client.getData('/odd'),
      () => client.exists('/odd'),
      () => client.exists('/odd', { watch: () => undefined }),
      () => client.setData('/odd', 'x'),
      () => client.create('/odd'),
      () => client.delete('/odd'),
      () => client.getChildren('/odd'),
      () => client.sync('/odd'),
    ]) {
      const error = await rejectsWithCode(call(), 'UNKNOWN');
      expect(error).toMatchObject({ path: '/odd', retriable: false });
    }
    expect((await client.getData('/fine')).data.toString()).toBe('data');
    expect(fake.connections).toBe(0); // never reconnected
    expect(client.state).toBe('connected');
  });

  test("codes ZooKeeper defines but the wire client does not are named, and retried when retriable", async () => {
    answer = (request) => (request.type === OP.setData ? { err: -125 } : normal(request));
    await rejectsWithCode(client.setData('/quota', 'x'), 'QUOTA_EXCEEDED');

    let throttled = 0;
    answer = (request) => (request.type === OP.exists && throttled++ < 2 ? { err: -127 } : normal(request));
    expect(await client.exists('/busy')).toMatchObject({ version: 0 });
    expect(throttled).toBe(3);

    answer = (request) => (request.type === OP.getData ? { err: -118 } : normal(request));
    const moved = await rejectsWithCode(client.getData('/moved'), 'SESSION_MOVED');
    expect(moved.retriable).toBe(true);
    expect(fake.connections).toBe(0);
  });

  test('a notification of an unknown event type is ignored; known ones still arrive', async () => {
    const events: WatchEvent[] = [];
    let fired!: () => void;
    const firedOnce = new Promise<void>((resolve) => (fired = resolve));
    await client.getData('/w', { watch: (event) => (events.push(event), fired()) });
    fake.notify(99, '/w');
    fake.notify(-7, '/w');
    // The watch is still armed: a real data change fires it (and it is the first thing that does).
    fake.notify(3, '/w');
    await firedOnce;
    expect(events).toEqual([{ type: 'data-changed', path: '/w' }]);
    expect(fake.connections).toBe(0);
    await client.exists('/still-fine');
  });

  test('a multi whose failed op carries an unknown code rejects with UNKNOWN and the op index', async () => {
    answer = (request) => {
      if (request.type !== OP.multi) return normal(request);
      const header = (type: number, done: boolean, err: number): Buffer => Buffer.concat([jute.int(type), jute.bool(done), jute.int(err)]);
      return {
        payload: Buffer.concat([
          header(-1, false, 0),
          jute.int(0),
          header(-1, false, -999),
          jute.int(-999),
          header(-1, true, -1),
        ]),
      };
    };
    const error = await rejectsWithCode(client.transaction().create('/a').setData('/b', 'x').commit(), 'UNKNOWN');
    expect(error).toMatchObject({ failedOp: 1, path: '/b', operation: 'transaction' });

    answer = (request) => (request.type === OP.multi ? { payload: Buffer.concat([jute.int(77), jute.bool(false), jute.int(0)]) } : normal(request));
    const unreadable = await client.transaction().check('/a').commit().catch((e: unknown) => e);
    expect(isZkError(unreadable, 'UNKNOWN')).toBe(true);
    await client.exists('/after');
  });

  test('an unreadable reply fails its operation with UNKNOWN; the client reconnects and carries on', async () => {
    answer = (request) => (request.type === OP.getData ? { payload: Buffer.from([1, 2, 3]) } : normal(request));
    const reconnected = waitForState(client, 'reconnected');
    const error = await rejectsWithCode(client.getData('/garbled'), 'UNKNOWN');
    expect(error.cause).toBeDefined();
    await reconnected;
    expect(fake.connections).toBe(1);
    answer = normal;
    expect((await client.getData('/garbled')).data.toString()).toBe('data');
  });

  test('a reply to a request that was never sent: reconnect, and the operation is retried', async () => {
    let first = true;
    answer = (request) => {
      if (request.type !== OP.exists || !first) return normal(request);
      first = false;
      fake.sendRaw(jute.frame(jute.int(request.xid + 1000), jute.long(99n), jute.int(0), jute.stat()));
      return 'no-reply';
    };
    expect(await client.exists('/x')).toMatchObject({ version: 0 });
    expect(fake.connections).toBe(1);
  });

  test.each([
    ['a negative frame length', jute.int(-4)],
    ['a frame length of -1 with trailing bytes', Buffer.concat([jute.int(-1), Buffer.alloc(12)])],
    ['an absurd frame length', jute.int(0x7ffffff0)],
  ])('broken framing (%s) drops the connection instead of hanging or throwing', async (_name, bytes) => {
    const reconnected = waitForState(client, 'reconnected', () => true, scaled(5000));
    fake.sendRaw(bytes);
    await reconnected;
    expect(await client.exists('/after')).not.toBeNull();
  });

  describe('retries of retriable replies', () => {
    let retrying: ZkClient;
    const throttle = (request: FakeRequest): FakeAnswer => (request.type === OP.exists ? { err: -127 } : normal(request));
    const existsRequests = (): number => fake.requests.filter((request) => request.type === OP.exists).length;

    beforeEach(async () => {
      retrying = new ZkClient({
        transport,
        connectString: fake.connectString,
        sessionTimeoutMs: 3000,
        retry: { retries: 4, minDelayMs: 400, maxDelayMs: 400, jitter: false },
      });
      await retrying.start();
      fake.requests.length = 0;
      answer = throttle;
    });
    afterEach(() => retrying.close());

    test('are retried under the policy, pausing between attempts, then fail with the last code', async () => {
      const sentAt: number[] = [];
      answer = (request) => (request.type === OP.exists && sentAt.push(performance.now()), throttle(request));
      await rejectsWithCode(retrying.exists('/t', { timeoutMs: 10_000 }), 'THROTTLED_OP');
      expect(existsRequests()).toBe(5);
      const pauses = sentAt.slice(1).map((at, i) => at - sentAt[i]!);
      for (const pause of pauses) expect(pause).toBeGreaterThanOrEqual(390);
    });

    test('an abort during a backoff pause rejects at once with signal.reason; nothing more is sent', async () => {
      const controller = new AbortController();
      const reason = new Error('stop');
      const pending = retrying.exists('/t', { signal: controller.signal });
      await new Promise<void>((resolve) => {
        const original = answer;
        answer = (request) => (resolve(), original(request));
      });
      const abortedAt = performance.now();
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
      expect(performance.now() - abortedAt).toBeLessThan(100);
      await retrying.getData('/other'); // one more round trip on the connection: no retry of /t went before it
      expect(fake.requests.filter((r) => r.type === OP.exists && requestPath(r) === '/t')).toHaveLength(1);
    });

    test('the deadline ends a backoff pause at once', async () => {
      const started = performance.now();
      await rejectsWithCode(retrying.exists('/t', { timeoutMs: 150 }), 'THROTTLED_OP');
      expect(performance.now() - started).toBeLessThan(350);
      expect(existsRequests()).toBe(1);
    });

    test('a code that is not retriable is not retried', async () => {
      answer = (request) => (request.type === OP.exists ? { err: -102 } : normal(request));
      await rejectsWithCode(retrying.exists('/t'), 'NO_AUTH');
      expect(existsRequests()).toBe(1);
    });
  });

  test('a watcher whose read keeps failing while the connection stays up reads again by itself', async () => {
    let refused = 0;
    answer = (request) => (request.type === OP.getData && refused++ < 6 ? { err: -127 } : normal(request));
    const watcher = client.watchData('/busy');
    const change = await watcher.ready();
    expect(change.value?.toString()).toBe('data');
    expect(refused).toBeGreaterThan(6);
    expect(fake.connections).toBe(0);
    await watcher.close();
  });
});
