package io.cdflow.agent.nativecore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.capture.AuthCapture;
import io.cdflow.agent.capture.BatchCapture;
import io.cdflow.agent.capture.CaptureRuntime;
import io.cdflow.agent.capture.ReadCapture;
import io.cdflow.agent.capture.ReplicaReadCapture;
import io.cdflow.agent.capture.RequestContext;
import io.cdflow.agent.capture.SessionCapture;
import io.cdflow.agent.capture.ReplicaCapture;
import io.cdflow.agent.capture.WriteCapture;
import io.cdflow.agent.handoff.ThreadBuffers;
import io.cdflow.agent.testutil.CassandraFixture;
import io.cdflow.agent.wire.EventClock;
import io.cdflow.agent.wire.MutationEvent;
import io.cdflow.agent.wire.StringIds;
import io.cdflow.agent.wire.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.db.SinglePartitionReadCommand;
import org.apache.cassandra.cql3.QueryOptions;
import org.apache.cassandra.exceptions.AuthenticationException;
import org.apache.cassandra.service.ClientState;
import org.apache.cassandra.service.QueryState;
import org.apache.cassandra.transport.messages.ErrorMessage;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Rust core, loaded through the real loader from the bundled resource: events encoded by the agent
 * (synthetic ones from two threads, and real Cassandra Mutations through the capture path) go through
 * ThreadBuffers and JNI, and come out as Parquet files with matching counters.
 *
 * <p>Fails when the library is not bundled, unless the build runs with -Dcdflow.skipNative=true.
 */
class NativeCoreRoundTripTest {
    static final int EVENTS_PER_THREAD = 2_000;

    @TempDir
    Path dir;

    @Test
    void eventsReachParquetThroughTheRealCore() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("cdflow.skipNative"), "built with -Dcdflow.skipNative=true");
        String resource = NativeLibraryLoader.bundledResource();
        assertNotNull(resource, "no bundled library for this platform");
        assertNotNull(NativeLibraryLoader.class.getClassLoader().getResource(resource),
                resource + " is not on the class path: build " + System.getProperty("cdflow.native.lib")
                        + " (cargo build --release -p cdflow-jni) or pass -Dcdflow.skipNative=true");
        NativeLibraryLoader.Result loaded = NativeLibraryLoader.load(null);
        assertTrue(loaded.loaded, loaded.toString());

        Path output = dir.resolve("lineage");
        assertNull(NativeCore.start(new String[] {"output", output.toString(), "roll_seconds", "60"}));

        StringIds strings = new StringIds(NativeCore::define);
        ThreadBuffers buffers = new ThreadBuffers(NativeCore::submit, 16384);
        int node = strings.idOf("127.0.0.1");
        int keyspace = strings.idOf("shop");
        int table = strings.idOf("orders");
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int thread = t;
            Thread w = new Thread(() -> {
                MutationEvent e = new MutationEvent();
                for (int i = 0; i < EVENTS_PER_THREAD; i++) {
                    e.clear();
                    e.eventTimeMicros = EventClock.nowMicros();
                    e.kind = WireFormat.KIND_COORDINATOR_WRITE;
                    e.consistency = 1;
                    e.node = node;
                    e.coordinator = node;
                    e.keyspace = keyspace;
                    e.table = table;
                    e.token = i;
                    e.latencyMicros = 100;
                    e.rows = 1;
                    e.cells = 2;
                    e.replicas = 1;
                    e.setKey(ByteBuffer.wrap(new byte[] {(byte) thread, 0, (byte) (i >> 8), (byte) i}));
                    buffers.current().append(e);
                }
            }, "writer-" + t);
            w.start();
            writers.add(w);
        }
        for (Thread w : writers) {
            w.join();
        }

        // real Mutations through the capture path (coordinator + local replica), in a client batch on a
        // connection (extension fields: batch, session, tombstone breakdown, write timestamp), then a read on the
        // coordinator and on the replica and a login (tagged records)
        CaptureRuntime runtime = new CaptureRuntime(strings, buffers, false);
        runtime.setNodeAddress("127.0.0.1");
        CaptureRuntime.install(runtime);
        try {
            List<Mutation> mutations = CassandraFixture.mutations("BEGIN UNLOGGED BATCH "
                    + "INSERT INTO shop.orders (pk, ck, v) VALUES (1, 1, 'a'); "
                    + "INSERT INTO shop.items (pk, ck, q) VALUES (1, 1, 2); "
                    + "DELETE FROM shop.orders WHERE pk = 2; APPLY BATCH");
            boolean session = SessionCapture.enter(new EmbeddedChannel());
            QueryState client = new QueryState(ClientState.forExternalCalls(new InetSocketAddress("10.0.0.1", 40000)));
            boolean request = RequestContext.enter(CassandraFixture.prepare("SELECT * FROM shop.orders WHERE pk = 1"),
                    client, QueryOptions.forInternalCalls(ConsistencyLevel.QUORUM, List.<ByteBuffer>of()));
            boolean batch = BatchCapture.enter();
            boolean entered = WriteCapture.enter();
            WriteCapture.exit(mutations, ConsistencyLevel.QUORUM, null, entered);
            BatchCapture.exit(batch);
            for (Mutation m : mutations) {
                ReplicaCapture.localApplied(m, null);
            }
            SinglePartitionReadCommand.Group group =
                    (SinglePartitionReadCommand.Group) CassandraFixture.readQuery("SELECT * FROM shop.orders WHERE pk = 1");
            boolean select = ReadCapture.selectEnter();
            long read = ReadCapture.singleEnter();
            ReadCapture.localReadCreated();
            boolean replica = ReplicaReadCapture.localEnter(group.queries.get(0));
            ReplicaReadCapture.closed(group.queries.get(0), 1, 2, System.nanoTime());
            ReplicaReadCapture.exit(replica);
            ReadCapture.singleExit(group, ConsistencyLevel.QUORUM, null, read);
            ReadCapture.selectExit(null, null, select);
            RequestContext.exit(request);
            boolean auth = AuthCapture.enter();
            AuthCapture.credentialsDecoded("alice");
            AuthCapture.exit(client, ErrorMessage.fromTransportException(
                    new AuthenticationException("Provided username alice and/or password are incorrect")), null, auth);
            SessionCapture.exit(session);
        } finally {
            CaptureRuntime.uninstall();
        }
        assertEquals(0, runtime.captureErrors());
        long captured = 3 + 3 // pk 1 spans two tables (2 events) + pk 2 (1 event), as coordinator and as replica
                + 2 + 1;      // coordinator_read + replica_read, a failed login
        long expected = 2L * EVENTS_PER_THREAD + captured;

        buffers.close(1000);
        assertEquals(expected, buffers.eventsSeen());
        assertEquals(0, buffers.droppedInAgent());
        // each cause crosses JNI on its own; agent_dropped is their sum (then the real totals replace them)
        NativeCore.reportAgentCounters(100, 1, 2, 3, 4);
        long[] reported = NativeCore.counters();
        assertEquals(List.of(100L, 10L, 1L, 2L, 3L, 4L), List.of(reported[NativeCore.COUNTER_AGENT_EVENTS_SEEN],
                reported[NativeCore.COUNTER_AGENT_DROPPED], reported[NativeCore.COUNTER_AGENT_DROPPED_BUSY],
                reported[NativeCore.COUNTER_AGENT_DROPPED_NOT_RUNNING],
                reported[NativeCore.COUNTER_AGENT_DROPPED_SUBMIT_ERROR],
                reported[NativeCore.COUNTER_AGENT_DROPPED_OTHER]));
        buffers.reportTo(NativeCore::reportAgentCounters);
        assertNull(NativeCore.recordHookFamilies(new String[] {"writes+reads", "lwt: missing X.y()V"}));
        assertTrue(NativeCore.recordHookFamilies(new String[] {"only one"}).contains("got 1 strings"));
        assertNull(NativeCore.shutdown(10_000));

        long[] c = NativeCore.counters();
        String counters = NativeCore.describeCounters(c);
        assertEquals(NativeCore.COUNTER_NAMES.length, c.length, counters);
        assertEquals(expected, c[NativeCore.COUNTER_OFFERED], counters);
        assertEquals(expected, c[NativeCore.COUNTER_ACCEPTED], counters);
        assertEquals(0, c[NativeCore.COUNTER_DROPPED_QUEUE_FULL], counters);
        assertEquals(0, c[NativeCore.COUNTER_REJECTED], counters);
        assertEquals(expected, c[NativeCore.COUNTER_WRITTEN], counters);
        assertTrue(c[NativeCore.COUNTER_FILES] >= 1, counters);
        assertEquals(expected, c[NativeCore.COUNTER_AGENT_EVENTS_SEEN], counters);
        assertEquals(0, c[NativeCore.COUNTER_AGENT_DROPPED], counters);
        assertEquals(0, c[NativeCore.COUNTER_SKIPPED_RECORDS], counters);
        assertEquals(0, c[NativeCore.COUNTER_SKIPPED_FIELDS], "every field the agent sends is known: " + counters);
        for (int cause : new int[] {NativeCore.COUNTER_DROPPED_WRITE_FAILED, NativeCore.COUNTER_DROPPED_DISK_BOUND,
                NativeCore.COUNTER_REMOVED_ROWS, NativeCore.COUNTER_REMOVED_FILES, NativeCore.COUNTER_RECOVERED_ROWS,
                NativeCore.COUNTER_AGENT_DROPPED_BUSY, NativeCore.COUNTER_AGENT_DROPPED_NOT_RUNNING,
                NativeCore.COUNTER_AGENT_DROPPED_SUBMIT_ERROR, NativeCore.COUNTER_AGENT_DROPPED_OTHER}) {
            assertEquals(0, c[cause], NativeCore.COUNTER_NAMES[cause] + ": " + counters);
        }

        String today = Instant.now().atZone(ZoneOffset.UTC).toLocalDate().toString();
        Path day = output.resolve("events").resolve("node=127.0.0.1").resolve("date=" + today);
        List<Path> parquet = parquetFiles(day);
        assertFalse(parquet.isEmpty(), "no .parquet file under " + day + ": " + listing(output));
        for (Path f : parquet) {
            assertTrue(Files.size(f) > 0, f + " is empty");
        }
        assertTrue(parquetFiles(output.resolve("agent_stats")).size() >= 1, "no agent_stats file: " + listing(output));
        assertFalse(parquetFiles(output.resolve("auth_events")).isEmpty(), "no auth_events file: " + listing(output));
        assertNull(NativeCore.shutdown(1000), "shutdown is idempotent");
    }

    static List<Path> parquetFiles(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
        }
    }

    static String listing(Path root) throws IOException {
        if (!Files.exists(root)) {
            return root + " does not exist";
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(Path::toString).toList().toString();
        }
    }
}
