/**
 * Our transport against a scripted fake server sending what no real server sends on demand: broken and
 * oversized frames, replies out of order or twice, reserved xids, lengths and counts that run past the
 * frame, handshakes that never come or lie, a server that goes quiet, random bytes. For each: nothing throws
 * out of a socket handler, no promise is left rejected unhandled, the pending operation settles with a
 * typed error promptly (far before its 30 s deadline), and close() completes.
 */
import { ZkClient, type ZkErrorCode } from '../../src/client';
import { scaled, waitForState } from '../helpers';
import { collectCrashes, FakeZooKeeper, jute, normalAnswer, OP, requestPath, type FakeAnswer, type FakeRequest } from './fake-server';
import { rejectsWithCode } from './support';

const SESSION_MS = 3000;
/** Well under the operation deadline (30 s): a pending op must not wait for it. */
const PROMPTLY_MS = scaled(SESSION_MS);

let fake: FakeZooKeeper;
let answer: (request: FakeRequest) => FakeAnswer;
const clients: ZkClient[] = [];
const crashes = collectCrashes();


/** A client of our transport on the fake server that does not retry, so that each failure shows. */
async function started(options: { connectionTimeoutMs?: number } = {}): Promise<ZkClient> {
  const client = new ZkClient({
    connectString: fake.connectString,
    sessionTimeoutMs: SESSION_MS,
    operationTimeoutMs: 30_000,
    retry: { retries: 0 },
    transport: 'zk-recipes',
    ...options,
  });
  clients.push(client);
  await client.start();
  return client;
}

/** Resolves with the error `promise` rejects with, checking its code and that it came promptly. */
async function settlesPromptly(promise: Promise<unknown>, code: ZkErrorCode): Promise<void> {
  const started = performance.now();
  await rejectsWithCode(promise, code);
  expect(performance.now() - started).toBeLessThan(PROMPTLY_MS);
}

beforeAll(async () => {
  fake = await FakeZooKeeper.start((request) => answer(request));
});
beforeEach(() => {
  answer = normalAnswer;
  fake.handshake = 'normal';
  fake.answerPings = true;
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  expect(crashes).toEqual([]);
});
afterAll(async () => {
  await fake?.close();
});

describe('replies that cannot be trusted drop the connection; the op concerned fails at once', () => {
  test('a getChildren reply claiming 2^31-1 children, the first with a name of length -4', async () => {
    const client = await started();
    answer = (request) =>
      request.type === OP.getChildren2 ? { payload: Buffer.concat([jute.int(0x7fffffff), jute.int(-4), jute.stat()]) } : normalAnswer(request);
    const reconnected = waitForState(client, 'reconnected');
    await settlesPromptly(client.getChildren('/bomb'), 'UNKNOWN');
    await reconnected;
    answer = normalAnswer;
    expect((await client.getChildren('/bomb')).children).toEqual([]);
  });

  test('a getData reply whose data length runs past the frame (a truncated frame)', async () => {
    const client = await started();
    answer = (request) => (request.type === OP.getData ? { payload: Buffer.concat([jute.int(1000), Buffer.from('abc')]) } : normalAnswer(request));
    await settlesPromptly(client.getData('/short'), 'UNKNOWN');
    await waitForState(client, 'reconnected');
  });

  test('a reply with a reserved negative xid (-3) while a request waits', async () => {
    const client = await started();
    answer = (request) => {
      if (request.type !== OP.exists) return normalAnswer(request);
      fake.sendRaw(jute.frame(jute.int(-3), jute.long(11n), jute.int(0), jute.stat()));
      return 'no-reply';
    };
    await settlesPromptly(client.exists('/x'), 'CONNECTION_LOSS');
    await waitForState(client, 'reconnected');
  });

  test('replies out of order: the answer to the second request comes first', async () => {
    const client = await started();
    const held: FakeRequest[] = [];
    answer = (request) => {
      if (request.type !== OP.exists) return normalAnswer(request);
      held.push(request);
      if (held.length === 2) fake.sendRaw(jute.frame(jute.int(held[1]!.xid), jute.long(12n), jute.int(0), jute.stat()));
      return 'no-reply';
    };
    const first = client.exists('/first');
    const second = client.exists('/second');
    await Promise.all([settlesPromptly(first, 'CONNECTION_LOSS'), settlesPromptly(second, 'CONNECTION_LOSS')]);
  });

  test('a reply sent twice: the first answers, the second drops the connection', async () => {
    const client = await started();
    answer = (request) => {
      if (request.type !== OP.exists) return normalAnswer(request);
      const reply = jute.frame(jute.int(request.xid), jute.long(13n), jute.int(0), jute.stat(4));
      fake.sendRaw(Buffer.concat([reply, reply]));
      return 'no-reply';
    };
    const reconnected = waitForState(client, 'reconnected');
    expect(await client.exists('/twice')).toMatchObject({ version: 4 });
    await reconnected;
    answer = normalAnswer;
    expect(await client.exists('/after')).not.toBeNull();
  });

  test('an oversized frame length (jute.maxbuffer plus headroom exceeded)', async () => {
    const client = await started();
    answer = (request) => {
      if (request.type !== OP.getData) return normalAnswer(request);
      fake.sendRaw(jute.int(0xfffff + 64 * 1024 + 1));
      return 'no-reply';
    };
    await settlesPromptly(client.getData('/big'), 'CONNECTION_LOSS');
  });

  test('a frame that never completes: the read timeout ends the wait', async () => {
    const client = await started();
    answer = (request) => {
      if (request.type !== OP.getData) return normalAnswer(request);
      fake.sendRaw(Buffer.concat([jute.int(500), Buffer.alloc(10)]));
      return 'no-reply';
    };
    await settlesPromptly(client.getData('/stuck'), 'CONNECTION_LOSS');
  });

  test('random bytes (seeded) in place of replies', async () => {
    const client = await started();
    let seed = 0x2545f491;
    const random = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x1_0000_0000;
    };
    for (let round = 0; round < 20; round += 1) {
      answer = (request) => {
        if (request.type !== OP.getData) return normalAnswer(request);
        const length = 1 + Math.floor(random() * 64);
        const bytes = Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
        // Half the rounds inside a well-formed frame (the decoder), half as raw stream bytes (the splitter).
        fake.sendRaw(round % 2 === 0 ? jute.frame(bytes) : bytes);
        return 'no-reply';
      };
      const outcome = await client.getData('/noise', { timeoutMs: 10_000 }).then(
        () => 'resolved',
        (error: unknown) => (error as { code?: string }).code,
      );
      expect(['resolved', 'UNKNOWN', 'CONNECTION_LOSS']).toContain(outcome);
      answer = normalAnswer;
      await client.waitForConnection({ timeoutMs: scaled(10_000) });
    }
    expect((await client.getData('/noise')).data.toString()).toBe('data');
  });
});

describe('a server that goes quiet', () => {
  test('a server that stops answering pings is left after 2/3 of the session timeout', async () => {
    const client = await started();
    fake.answerPings = false;
    answer = () => 'no-reply';
    const suspendedAt = waitForState(client, 'suspended').then(() => performance.now());
    const startedAt = performance.now();
    await settlesPromptly(client.exists('/silence'), 'CONNECTION_LOSS');
    expect((await suspendedAt) - startedAt).toBeLessThan(PROMPTLY_MS);
    fake.answerPings = true;
    answer = normalAnswer;
    await waitForState(client, 'reconnected');
  });

  test('a handshake that never answers: start() rejects at its timeout after trying again, close() completes', async () => {
    fake.handshake = 'no-reply';
    const before = fake.connections;
    await rejectsWithCode(started({ connectionTimeoutMs: scaled(2500) }), 'CONNECT_TIMEOUT');
    expect(fake.connections - before).toBeGreaterThan(1);
  });
});

describe('handshake fields are checked', () => {
  test.each([
    ['a password length that runs past the frame', (timeout: number) => Buffer.concat([jute.int(0), jute.int(timeout), jute.long(1n), jute.int(0x40000000), Buffer.alloc(16)])],
    ['a password of 8 bytes', (timeout: number) => Buffer.concat([jute.int(0), jute.int(timeout), jute.long(1n), jute.buffer(Buffer.alloc(8)), jute.bool(false)])],
    ['a negotiated timeout of 23 days', () => Buffer.concat([jute.int(0), jute.int(23 * 24 * 3600 * 1000), jute.long(1n), jute.buffer(Buffer.alloc(16)), jute.bool(false)])],
  ])('%s: refused, the client tries again and never connects', async (_name, handshake) => {
    fake.handshake = handshake;
    const before = fake.connections;
    await rejectsWithCode(started({ connectionTimeoutMs: scaled(1500) }), 'CONNECT_TIMEOUT');
    expect(fake.connections - before).toBeGreaterThan(1);
  });
});

describe('odd but readable replies', () => {
  test('a getACL reply with perms 0 is returned as it is', async () => {
    const client = await started();
    answer = (request) =>
      request.type === OP.getACL
        ? { payload: Buffer.concat([jute.int(1), jute.int(0), jute.string('world'), jute.string('anyone'), jute.stat()]) }
        : normalAnswer(request);
    expect((await client.getACL('/zero')).acl).toEqual([{ perms: 0, scheme: 'world', id: 'anyone' }]);
    expect(client.state).toBe('connected');
  });

  test('a server older than an operation (3.5 and addWatch, multiRead...): UNIMPLEMENTED, not the connection loss that follows', async () => {
    const client = await started();
    // What ZooKeeper's UnimplementedRequestProcessor does with an opcode it does not know: the error, then
    // the connection closed (the session lives on).
    const newer = new Set([106, 22, 103, 104, 107]); // addWatch, multiRead, getEphemerals, getAllChildrenNumber, whoAmI
    answer = (request) => (newer.has(request.type) ? { err: -6, thenClose: true } : normalAnswer(request));
    const sessionId = client.sessionId;
    const unimplemented = [
      () => client.multiRead([{ type: 'getData', path: '/a' }]),
      () => client.getMany(['/a']),
      () => client.getEphemerals(),
      () => client.countChildren('/a'),
      () => client.whoAmI(),
      () => client.addWatch('/a').ready(),
    ];
    for (const call of unimplemented) {
      const reconnected = waitForState(client, 'reconnected');
      await settlesPromptly(call(), 'UNIMPLEMENTED');
      await reconnected;
      expect(client.sessionId).toBe(sessionId);
    }
    expect(await client.exists('/fine')).not.toBeNull();
  });

  test('an error code nobody knows becomes UNKNOWN; a notification of an unknown type is ignored', async () => {
    const client = await started();
    answer = (request) => (requestPath(request) === '/odd' ? { err: -4242 } : normalAnswer(request));
    await rejectsWithCode(client.getData('/odd'), 'UNKNOWN');
    fake.notify(1234, '/odd');
    expect(await client.exists('/fine')).not.toBeNull();
    expect(client.state).toBe('connected');
  });
});
