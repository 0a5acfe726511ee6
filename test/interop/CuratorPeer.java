import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.framework.recipes.shared.SharedCountListener;
import org.apache.curator.framework.recipes.shared.SharedCountReader;
import org.apache.curator.framework.recipes.shared.VersionedValue;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryNTimes;

/**
 * A Curator 5.x peer for zk-recipes interop tests, driven over a line protocol.
 *
 * <pre>
 *   java -cp &lt;curator+zookeeper jars&gt;:&lt;classes&gt; CuratorPeer &lt;connectString&gt; [sessionTimeoutMs]
 * </pre>
 *
 * The session timeout may also come from the env CURATOR_PEER_SESSION_TIMEOUT_MS (default 5000);
 * CURATOR_PEER_CONNECT_TIMEOUT_MS bounds the wait for the first connection (default 30000).
 *
 * After connecting it prints {@code READY}, then reads one command per stdin line and prints exactly
 * one reply line per command, in order. Failures are replied as {@code ERROR <message>}; the program
 * never dies on a bad command. Leader-latch listeners print extra {@code EVENT ...} lines at any time.
 * Every stdout line is written whole under one lock, so replies and events never interleave.
 *
 * Commands run one at a time on the main thread: a blocking acquire holds up the following commands
 * of this peer (Curator's locks belong to the acquiring thread, so this also keeps release legal).
 * Acquire commands take an optional trailing timeout in ms and then reply {@code TIMEOUT} on expiry.
 *
 * <pre>
 *   mutex-acquire &lt;path&gt; [timeoutMs]          ACQUIRED &lt;lockNodeName&gt;   (reentrant, as in Curator)
 *   mutex-release &lt;path&gt;                      RELEASED
 *   mutex-participants &lt;path&gt;                 PARTICIPANTS node1,node2,...   (lock nodes, holder first)
 *   rw-read-acquire &lt;path&gt; [timeoutMs]        ACQUIRED
 *   rw-read-release &lt;path&gt;                    RELEASED
 *   rw-write-acquire &lt;path&gt; [timeoutMs]       ACQUIRED
 *   rw-write-release &lt;path&gt;                   RELEASED
 *   latch-start &lt;path&gt; &lt;id&gt;                  STARTED   (then EVENT isLeader &lt;id&gt; / EVENT notLeader &lt;id&gt;)
 *   latch-participants &lt;path&gt;                 PARTICIPANTS id1,id2,...   (leader first; bare word if none)
 *   latch-leader &lt;path&gt;                       LEADER &lt;id&gt;   (bare word if there is no leader)
 *   latch-has &lt;path&gt;                          HAS true|false
 *   latch-close &lt;path&gt;                        CLOSED   (a leader also gets EVENT notLeader)
 *   semaphore-acquire &lt;path&gt; &lt;maxLeases&gt; [timeoutMs]   ACQUIRED   (one lease of InterProcessSemaphoreV2)
 *   semaphore-release &lt;path&gt;                  RELEASED  (returns the oldest lease this peer holds there)
 *   discovery-register / discovery-query / idblock-next   see the naming block at the end of the command switch
 *   count-get &lt;path&gt;                          COUNT &lt;value&gt; &lt;version&gt;   (a SharedCount, seed 0, started on first use;
 *                                             then EVENT count &lt;path&gt; &lt;value&gt; on every change it sees)
 *   count-set &lt;path&gt; &lt;count&gt;                  SET
 *   count-increment &lt;path&gt; &lt;times&gt;            INCREMENTED &lt;lost CAS rounds&gt;   (trySetCount loop)
 *   long-get &lt;path&gt;                           ATOMIC &lt;succeeded&gt; &lt;pre&gt; &lt;post&gt;   (DistributedAtomicLong, RetryNTimes(10, 10))
 *   long-add &lt;path&gt; &lt;delta&gt;                   ATOMIC &lt;succeeded&gt; &lt;pre&gt; &lt;post&gt;
 *   long-increment &lt;path&gt; &lt;times&gt;             INCREMENTED &lt;failed tries&gt;   (until that many succeeded)
 *   quit                                      BYE, then exit 0 (end of stdin does the same)
 * </pre>
 */
public final class CuratorPeer {
    /** The real stdout, reserved for protocol lines; System.out is redirected to stderr. */
    private static final PrintStream PROTOCOL =
            new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);

    /** Prints one whole protocol line and flushes; safe from any thread. */
    static void emit(String line) {
        synchronized (PROTOCOL) {
            PROTOCOL.print(line);
            PROTOCOL.print('\n');
            PROTOCOL.flush();
        }
    }

    /** A mutex that can tell which lock node the calling thread holds (getLockPath is protected). */
    private static final class PeerMutex extends InterProcessMutex {
        PeerMutex(CuratorFramework client, String path) {
            super(client, path);
        }

        String heldNodeName() {
            String full = getLockPath();
            return full == null ? "" : full.substring(full.lastIndexOf('/') + 1);
        }
    }

    /** A command failure whose message is replied verbatim after ERROR. */
    private static final class CommandException extends Exception {
        CommandException(String message) {
            super(message);
        }
    }

    private final CuratorFramework client;
    private final Map<String, PeerMutex> mutexes = new HashMap<>();
    private final Map<String, InterProcessReadWriteLock> rwLocks = new HashMap<>();
    private final Map<String, LeaderLatch> latches = new HashMap<>();
    private final Map<String, InterProcessSemaphoreV2> semaphores = new HashMap<>();
    private final Map<String, Integer> semaphoreMaxLeases = new HashMap<>();
    private final Map<String, Deque<Lease>> leases = new HashMap<>();
    /** naming (issue 12): one curator-x-discovery ServiceDiscovery per base path. */
    private final Map<String, org.apache.curator.x.discovery.ServiceDiscovery<Object>> discoveries = new HashMap<>();

    private CuratorPeer(CuratorFramework client) {
        this.client = client;
    }

    public static void main(String[] args) throws Exception {
        // Quiet logging before any Curator/ZooKeeper class creates a logger; logs go to stderr.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        // ZooKeeper warns with a stack trace when the server closes the socket on client.close().
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper.ClientCnxn", "error");
        System.setProperty("zookeeper.jmx.log4j.disable", "true");
        // Nothing but protocol lines may reach stdout, whatever a library prints.
        System.setOut(System.err);

        if (args.length < 1 || args.length > 2) {
            emit("ERROR usage: CuratorPeer <connectString> [sessionTimeoutMs]");
            System.exit(2);
        }
        int sessionTimeoutMs = args.length > 1
                ? Integer.parseInt(args[1])
                : intFromEnv("CURATOR_PEER_SESSION_TIMEOUT_MS", 5000);
        int connectWaitMs = intFromEnv("CURATOR_PEER_CONNECT_TIMEOUT_MS", 30000);

        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(args[0])
                .sessionTimeoutMs(sessionTimeoutMs)
                .connectionTimeoutMs(Math.min(sessionTimeoutMs, 15000))
                .retryPolicy(new ExponentialBackoffRetry(100, 10, 2000))
                .build();
        client.start();
        if (!client.blockUntilConnected(connectWaitMs, TimeUnit.MILLISECONDS)) {
            emit("ERROR could not connect to " + args[0] + " within " + connectWaitMs + " ms");
            client.close();
            System.exit(3);
        }

        CuratorPeer peer = new CuratorPeer(client);
        emit("READY");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] words = line.trim().split("\\s+");
            if (words[0].equals("quit")) {
                break;
            }
            String reply;
            try {
                reply = peer.execute(words);
            } catch (CommandException e) {
                reply = "ERROR " + oneLine(e.getMessage());
            } catch (Throwable e) {
                reply = "ERROR " + e.getClass().getSimpleName() + ": " + oneLine(String.valueOf(e.getMessage()));
            }
            emit(reply);
        }
        // "quit" or end of stdin (the driver went away): release what we hold and leave.
        peer.shutdown();
        emit("BYE");
        System.exit(0);
    }

    /** Runs one command and returns its reply line. */
    private String execute(String[] w) throws Exception {
        switch (w[0]) {
            case "mutex-acquire": {
                String path = path(w, 2, 3, "mutex-acquire <path> [timeoutMs]");
                PeerMutex mutex = mutexes.computeIfAbsent(path, p -> new PeerMutex(client, p));
                if (!acquire(w, 2, timeout -> mutex.acquire(timeout, TimeUnit.MILLISECONDS), mutex::acquire)) {
                    return "TIMEOUT";
                }
                return "ACQUIRED " + mutex.heldNodeName();
            }
            case "mutex-release": {
                String path = path(w, 2, 2, "mutex-release <path>");
                PeerMutex mutex = mutexes.get(path);
                if (mutex == null) {
                    throw new CommandException("no mutex at " + path + " in this peer");
                }
                mutex.release();
                return "RELEASED";
            }
            case "mutex-participants": {
                String path = path(w, 2, 2, "mutex-participants <path>");
                PeerMutex mutex = mutexes.computeIfAbsent(path, p -> new PeerMutex(client, p));
                List<String> names = new ArrayList<>();
                for (String node : mutex.getParticipantNodes()) {
                    names.add(node.substring(node.lastIndexOf('/') + 1));
                }
                return nameList("PARTICIPANTS", names);
            }
            case "rw-read-acquire":
            case "rw-write-acquire": {
                String path = path(w, 2, 3, w[0] + " <path> [timeoutMs]");
                InterProcessMutex lock = rwLock(path, w[0].startsWith("rw-read"));
                if (!acquire(w, 2, timeout -> lock.acquire(timeout, TimeUnit.MILLISECONDS), lock::acquire)) {
                    return "TIMEOUT";
                }
                return "ACQUIRED";
            }
            case "rw-read-release":
            case "rw-write-release": {
                String path = path(w, 2, 2, w[0] + " <path>");
                if (!rwLocks.containsKey(path)) {
                    throw new CommandException("no read-write lock at " + path + " in this peer");
                }
                rwLock(path, w[0].startsWith("rw-read")).release();
                return "RELEASED";
            }
            case "latch-start": {
                String path = path(w, 3, 3, "latch-start <path> <id>");
                String id = w[2];
                if (id.contains(",")) {
                    throw new CommandException("latch id must not contain ','");
                }
                if (latches.containsKey(path)) {
                    throw new CommandException("a latch is already started at " + path + " in this peer");
                }
                // NOTIFY_LEADER: closing a leading latch reports notLeader, which tests can observe.
                LeaderLatch latch = new LeaderLatch(client, path, id, LeaderLatch.CloseMode.NOTIFY_LEADER);
                latch.addListener(new LeaderLatchListener() {
                    @Override
                    public void isLeader() {
                        emit("EVENT isLeader " + id);
                    }

                    @Override
                    public void notLeader() {
                        emit("EVENT notLeader " + id);
                    }
                });
                latch.start();
                latches.put(path, latch);
                return "STARTED";
            }
            case "latch-participants": {
                LeaderLatch latch = latch(path(w, 2, 2, "latch-participants <path>"));
                List<String> ids = new ArrayList<>();
                for (Participant p : latch.getParticipants()) {
                    ids.add(p.getId());
                }
                return nameList("PARTICIPANTS", ids);
            }
            case "latch-leader": {
                Participant leader = latch(path(w, 2, 2, "latch-leader <path>")).getLeader();
                return leader.isLeader() ? "LEADER " + leader.getId() : "LEADER";
            }
            case "latch-has":
                return "HAS " + latch(path(w, 2, 2, "latch-has <path>")).hasLeadership();
            case "latch-close": {
                String path = path(w, 2, 2, "latch-close <path>");
                latch(path).close();
                latches.remove(path);
                return "CLOSED";
            }
            case "semaphore-acquire": {
                String path = path(w, 3, 4, "semaphore-acquire <path> <maxLeases> [timeoutMs]");
                int maxLeases = positiveInt(w[2], "maxLeases");
                Integer known = semaphoreMaxLeases.putIfAbsent(path, maxLeases);
                if (known != null && known != maxLeases) {
                    throw new CommandException("semaphore at " + path + " was used with maxLeases " + known);
                }
                InterProcessSemaphoreV2 semaphore =
                        semaphores.computeIfAbsent(path, p -> new InterProcessSemaphoreV2(client, p, maxLeases));
                Lease lease = w.length > 3
                        ? semaphore.acquire(positiveInt(w[3], "timeoutMs"), TimeUnit.MILLISECONDS)
                        : semaphore.acquire();
                if (lease == null) {
                    return "TIMEOUT";
                }
                leases.computeIfAbsent(path, p -> new ArrayDeque<>()).addLast(lease);
                return "ACQUIRED";
            }
            case "semaphore-release": {
                String path = path(w, 2, 2, "semaphore-release <path>");
                Deque<Lease> held = leases.get(path);
                if (held == null || held.isEmpty()) {
                    throw new CommandException("no lease held at " + path + " in this peer");
                }
                semaphores.get(path).returnLease(held.removeFirst());
                return "RELEASED";
            }
            // ---- naming (issue 12): curator-x-discovery ServiceDiscovery -------------------------------
            //   discovery-register <basePath> <name> <id> <port> [uriSpec]   REGISTERED
            //       a DYNAMIC instance at 127.0.0.1 with the payload {"zone": "java"} (a HashMap)
            //   discovery-query <basePath> <name>                              INSTANCES <JSON array, as Curator reads them>
            //   idblock-next (below): ids from Curator's CachedAtomicLong, for the IdBlockAllocator interop
            case "discovery-register":
            case "discovery-query": {
                String basePath = path(w, 3, w[0].equals("discovery-register") ? 6 : 3, w[0] + " <basePath> <name> ...");
                org.apache.curator.x.discovery.ServiceDiscovery<Object> discovery = discoveries.get(basePath);
                if (discovery == null) {
                    discovery = org.apache.curator.x.discovery.ServiceDiscoveryBuilder.builder(Object.class)
                            .client(client)
                            .basePath(basePath)
                            .serializer(new org.apache.curator.x.discovery.details.JsonInstanceSerializer<>(Object.class))
                            .build();
                    discovery.start();
                    discoveries.put(basePath, discovery);
                }
                if (w[0].equals("discovery-query")) {
                    return "INSTANCES " + new com.fasterxml.jackson.databind.ObjectMapper()
                            .writeValueAsString(discovery.queryForInstances(w[2]));
                }
                if (w.length < 5) {
                    throw new CommandException("usage: discovery-register <basePath> <name> <id> <port> [uriSpec]");
                }
                Map<String, Object> payload = new HashMap<>();
                payload.put("zone", "java");
                org.apache.curator.x.discovery.ServiceInstanceBuilder<Object> instance =
                        org.apache.curator.x.discovery.ServiceInstance.builder()
                                .name(w[2])
                                .id(w[3])
                                .address("127.0.0.1")
                                .port(positiveInt(w[4], "port"))
                                .payload(payload);
                if (w.length > 5) {
                    instance.uriSpec(new org.apache.curator.x.discovery.UriSpec(w[5]));
                }
                discovery.registerService(instance.build());
                return "REGISTERED";
            }
            //   idblock-next <path> <cacheFactor> <count>   IDS id1,id2,...   (a CachedAtomicLong over a DistributedAtomicLong)
            case "idblock-next": {
                String path = path(w, 4, 4, "idblock-next <path> <cacheFactor> <count>");
                org.apache.curator.framework.recipes.atomic.CachedAtomicLong ids =
                        new org.apache.curator.framework.recipes.atomic.CachedAtomicLong(
                                new org.apache.curator.framework.recipes.atomic.DistributedAtomicLong(
                                        client, path, new org.apache.curator.retry.RetryNTimes(1000, 1)),
                                positiveInt(w[2], "cacheFactor"));
                List<String> values = new ArrayList<>();
                for (int i = positiveInt(w[3], "count"); i > 0; i--) {
                    org.apache.curator.framework.recipes.atomic.AtomicValue<Long> next = ids.next();
                    if (!next.succeeded()) {
                        throw new CommandException("CachedAtomicLong gave up under contention after " + values.size() + " ids");
                    }
                    values.add(String.valueOf(next.preValue()));
                }
                return nameList("IDS", values);
            }
            // ---- end naming (issue 12) ------------------------------------------------------------------
            // ---- config recipes (issue 11): SharedCount and DistributedAtomicLong --------------------
            case "count-get": {
                String path = path(w, 2, 2, "count-get <path>");
                VersionedValue<Integer> current = sharedCount(path).getVersionedValue();
                return "COUNT " + current.getValue() + " " + current.getVersion();
            }
            case "count-set": {
                String path = path(w, 3, 3, "count-set <path> <count>");
                sharedCount(path).setCount(Integer.parseInt(w[2]));
                return "SET";
            }
            case "count-increment": {
                String path = path(w, 3, 3, "count-increment <path> <times>");
                SharedCount count = sharedCount(path);
                int lost = 0;
                for (int done = 0, times = positiveInt(w[2], "times"); done < times; ) {
                    VersionedValue<Integer> seen = count.getVersionedValue();
                    if (count.trySetCount(seen, seen.getValue() + 1)) {
                        done++;
                    } else {
                        lost++; // trySetCount refreshed the local view: try again on it
                    }
                }
                return "INCREMENTED " + lost;
            }
            case "long-get": {
                String path = path(w, 2, 2, "long-get <path>");
                return atomicReply(atomicLong(path).get());
            }
            case "long-add": {
                String path = path(w, 3, 3, "long-add <path> <delta>");
                return atomicReply(atomicLong(path).add(Long.parseLong(w[2])));
            }
            case "long-increment": {
                String path = path(w, 3, 3, "long-increment <path> <times>");
                DistributedAtomicLong counter = atomicLong(path);
                int failed = 0;
                for (int done = 0, times = positiveInt(w[2], "times"); done < times; ) {
                    if (counter.increment().succeeded()) {
                        done++;
                    } else {
                        failed++;
                    }
                }
                return "INCREMENTED " + failed;
            }
            // ---- end of config recipes ----------------------------------------------------------------
            default:
                throw new CommandException("unknown command: " + w[0]);
        }
    }

    // ---- config recipes (issue 11) --------------------------------------------------------------------
    private final Map<String, SharedCount> sharedCounts = new HashMap<>();

    /** The started SharedCount at path (seed 0); it prints EVENT count <path> <value> on every change it sees. */
    private SharedCount sharedCount(String path) throws Exception {
        SharedCount count = sharedCounts.get(path);
        if (count == null) {
            count = new SharedCount(client, path, 0);
            count.addListener(new SharedCountListener() {
                @Override
                public void countHasChanged(SharedCountReader reader, int newCount) {
                    emit("EVENT count " + path + " " + newCount);
                }

                @Override
                public void stateChanged(CuratorFramework c, ConnectionState state) {
                    // connection states are not part of this protocol
                }
            });
            count.start();
            sharedCounts.put(path, count);
        }
        return count;
    }

    /** A DistributedAtomicLong at path with 10 optimistic tries, 10 ms apart (no promotion). */
    private DistributedAtomicLong atomicLong(String path) {
        return new DistributedAtomicLong(client, path, new RetryNTimes(10, 10));
    }

    /** "ATOMIC succeeded preValue postValue". */
    private static String atomicReply(AtomicValue<Long> value) {
        return "ATOMIC " + value.succeeded() + " " + value.preValue() + " " + value.postValue();
    }
    // ---- end of config recipes ------------------------------------------------------------------------

    /** An acquire with and without a time limit; both may throw what Curator throws. */
    private interface TimedAcquire {
        boolean acquire(long timeoutMs) throws Exception;
    }

    private interface UntimedAcquire {
        void acquire() throws Exception;
    }

    /** Acquires with the optional timeout at w[index]; false when that timeout expired. */
    private static boolean acquire(String[] w, int index, TimedAcquire timed, UntimedAcquire untimed)
            throws Exception {
        if (w.length > index) {
            return timed.acquire(positiveInt(w[index], "timeoutMs"));
        }
        untimed.acquire();
        return true;
    }

    private InterProcessMutex rwLock(String path, boolean read) {
        InterProcessReadWriteLock rw = rwLocks.computeIfAbsent(path, p -> new InterProcessReadWriteLock(client, p));
        return read ? rw.readLock() : rw.writeLock();
    }

    private LeaderLatch latch(String path) throws CommandException {
        LeaderLatch latch = latches.get(path);
        if (latch == null) {
            throw new CommandException("no latch started at " + path + " in this peer");
        }
        return latch;
    }

    /** Checks the word count (command included) and returns the absolute path in w[1]. */
    private static String path(String[] w, int min, int max, String usage) throws CommandException {
        if (w.length < min || w.length > max) {
            throw new CommandException("usage: " + usage);
        }
        if (!w[1].startsWith("/")) {
            throw new CommandException("path must be absolute: " + w[1]);
        }
        return w[1];
    }

    private static int positiveInt(String word, String name) throws CommandException {
        try {
            int value = Integer.parseInt(word);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new CommandException(name + " must be a positive integer: " + word);
    }

    /** Best effort: give back every lease and lock, close latches, then the client. */
    private void shutdown() {
        for (LeaderLatch latch : latches.values()) {
            try {
                latch.close();
            } catch (Exception ignored) {
                // the session's end removes the node anyway
            }
        }
        for (Map.Entry<String, Deque<Lease>> entry : leases.entrySet()) {
            semaphores.get(entry.getKey()).returnAll(entry.getValue());
        }
        List<InterProcessMutex> locks = new ArrayList<>(mutexes.values());
        for (InterProcessReadWriteLock rw : rwLocks.values()) {
            locks.add(rw.readLock());
            locks.add(rw.writeLock());
        }
        for (InterProcessMutex lock : locks) {
            try {
                while (lock.isOwnedByCurrentThread()) {
                    lock.release(); // once per reentrant acquire
                }
            } catch (Exception ignored) {
                // the session's end removes the node anyway
            }
        }
        client.close();
    }

    /** "WORD a,b,c", or the bare word for an empty list. */
    private static String nameList(String word, List<String> names) {
        return names.isEmpty() ? word : word + " " + String.join(",", names);
    }

    private static int intFromEnv(String name, int fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : Integer.parseInt(value.trim());
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("[\\r\\n]+", " ").trim();
    }
}
