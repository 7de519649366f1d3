package io.cdflow.agent.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.CassandraFixture;
import io.cdflow.agent.testutil.DecodedEvent;
import io.cdflow.agent.testutil.DecodedFields;
import io.cdflow.agent.wire.FieldIds;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.cassandra.cql3.QueryOptions;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.db.IMutation;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.net.Message;
import org.apache.cassandra.net.Verb;
import org.apache.cassandra.locator.InetAddressAndPort;
import org.apache.cassandra.service.ClientState;
import org.apache.cassandra.service.QueryState;
import org.apache.cassandra.tracing.Tracing;
import org.apache.cassandra.utils.TimeUUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The extension fields of write events (docs/wire-format.md): tombstone breakdown, ttl_rows, write_timestamp,
 * session, trace session and batches, with real Mutations from CQL and a real netty channel.
 */
class WriteExtensionTest {
    static final String INSERT = "INSERT INTO shop.orders (pk, ck, v, w) VALUES (42, 1, 'a', 2) USING TIMESTAMP 1764000000123000";

    @BeforeAll
    static void cassandra() {
        CassandraFixture.init();
    }

    @AfterEach
    void uninstall() {
        CaptureRuntime.uninstall();
    }

    static void coordinate(List<? extends IMutation> mutations) {
        boolean entered = WriteCapture.enter();
        WriteCapture.exit(mutations, ConsistencyLevel.QUORUM, null, entered);
    }

    static QueryState clientQueryState(int port) {
        return new QueryState(ClientState.forExternalCalls(new InetSocketAddress("10.1.2.3", port)));
    }

    static QueryOptions options() {
        return QueryOptions.forInternalCalls(ConsistencyLevel.QUORUM, List.<ByteBuffer>of());
    }

    @Test
    void everyWriteCarriesItsBreakdownAndTimestamp() {
        try (CaptureHarness h = new CaptureHarness()) {
            coordinate(List.of(CassandraFixture.mutation(INSERT)));
            ReplicaCapture.localApplied(CassandraFixture.mutation("DELETE FROM shop.orders USING TIMESTAMP 5 WHERE pk = 1 AND ck > 3"), null);
            List<DecodedEvent> events = h.events();
            DecodedFields insert = events.get(0).extension;
            assertEquals(List.of(FieldIds.PARTITION_TOMBSTONES, FieldIds.ROW_TOMBSTONES, FieldIds.RANGE_TOMBSTONES,
                    FieldIds.CELL_TOMBSTONES, FieldIds.TTL_ROWS, FieldIds.WRITE_TIMESTAMP), insert.ids());
            assertEquals(0, insert.i64(FieldIds.CELL_TOMBSTONES));
            assertEquals(1764000000123000L, insert.i64(FieldIds.WRITE_TIMESTAMP));
            DecodedFields delete = events.get(1).extension;
            assertEquals(1, delete.i64(FieldIds.RANGE_TOMBSTONES));
            assertEquals(1, events.get(1).tombstones);
            assertEquals(5, delete.i64(FieldIds.WRITE_TIMESTAMP));
            assertFalse(delete.has(FieldIds.BATCH_ID));
            assertFalse(delete.has(FieldIds.SESSION_ID));
            assertFalse(delete.has(FieldIds.TRACE_SESSION_ID));
        }
    }

    @Test
    void multiTableMutationsGetEachTablesOwnBreakdown() {
        try (CaptureHarness h = new CaptureHarness()) {
            List<Mutation> ms = CassandraFixture.mutations("BEGIN UNLOGGED BATCH "
                    + "DELETE FROM shop.orders WHERE pk = 5 AND ck = 1; "
                    + "INSERT INTO shop.items (pk, ck, q) VALUES (5, 1, 3) USING TTL 30; "
                    + "DELETE FROM shop.orders WHERE pk = 6; APPLY BATCH");
            coordinate(ms);
            List<DecodedEvent> events = h.events();
            assertEquals(3, events.size());
            for (DecodedEvent e : events) {
                DecodedFields x = e.extension;
                switch (h.text(e.table) + ":" + e.key[3]) {
                    case "orders:5" -> assertEquals(List.of(0L, 1L, 0L), List.of(x.i64(39), x.i64(40), x.i64(43)));
                    case "items:5" -> assertEquals(List.of(0L, 0L, 1L), List.of(x.i64(39), x.i64(40), x.i64(43)));
                    case "orders:6" -> assertEquals(List.of(1L, 0L, 0L), List.of(x.i64(39), x.i64(40), x.i64(43)));
                    default -> throw new AssertionError(h.text(e.table));
                }
                assertEquals(6, x.ids().size(), "no field of another table leaks: " + x.ids());
            }
        }
    }

    @Test
    void sessionIsStablePerConnectionAndDistinctAcrossConnections() {
        try (CaptureHarness h = new CaptureHarness()) {
            EmbeddedChannel a = new EmbeddedChannel();
            EmbeddedChannel b = new EmbeddedChannel();
            for (EmbeddedChannel channel : List.of(a, b, a)) {
                boolean session = SessionCapture.enter(channel);
                assertTrue(session);
                boolean request = RequestContext.enter(CassandraFixture.prepare(INSERT), clientQueryState(4000), options());
                coordinate(List.of(CassandraFixture.mutation(INSERT)));
                ReplicaCapture.localApplied(CassandraFixture.mutation(INSERT), null);
                RequestContext.exit(request);
                SessionCapture.exit(session);
            }
            assertEquals(0, CaptureThreadState.current().session.id, "cleared at exit");
            List<DecodedEvent> events = h.events();
            assertEquals(6, events.size());
            int first = events.get(0).extension.str(FieldIds.SESSION_ID);
            assertEquals(first, events.get(1).extension.str(FieldIds.SESSION_ID), "local replica write of the same request");
            assertNotEquals(first, events.get(2).extension.str(FieldIds.SESSION_ID));
            assertEquals(first, events.get(4).extension.str(FieldIds.SESSION_ID));
            assertTrue(h.text(first).matches("[0-9a-f]{16}"), h.text(first));
            // extension order: session, then the per-table fields
            assertEquals(FieldIds.SESSION_ID, events.get(0).extension.ids().get(0));
        }
    }

    @Test
    void tracedRequestsCarryTheTraceSession() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            List<Mutation> write = List.of(CassandraFixture.mutation(INSERT));
            Message<Mutation> message = Message.builder(Verb.MUTATION_REQ, CassandraFixture.mutation(INSERT)).withId(7).build();
            InetAddressAndPort coordinator = InetAddressAndPort.getByName("127.0.0.2");
            TimeUUID trace = Tracing.instance.newSession(Map.of());
            try {
                coordinate(write);
                ReplicaCapture.remoteApplied(message, coordinator, null);
            } finally {
                Tracing.instance.set(null); // stopSession() would write system_traces
            }
            coordinate(List.of(CassandraFixture.mutation(INSERT)));
            List<DecodedEvent> events = h.events();
            assertEquals(trace.toString(), events.get(0).extension.text(FieldIds.TRACE_SESSION_ID));
            assertEquals(trace.toString(), events.get(1).extension.text(FieldIds.TRACE_SESSION_ID));
            assertFalse(events.get(2).extension.has(FieldIds.TRACE_SESSION_ID));
        }
    }

    @Test
    void writesOfOneBatchShareItsIdAndSize() {
        try (CaptureHarness h = new CaptureHarness()) {
            List<Mutation> batch = CassandraFixture.mutations("BEGIN UNLOGGED BATCH "
                    + "INSERT INTO shop.orders (pk, ck, v) VALUES (1, 1, 'a'); "
                    + "INSERT INTO shop.items (pk, ck, q) VALUES (1, 1, 3); "
                    + "INSERT INTO shop.orders (pk, ck, v) VALUES (2, 1, 'b'); APPLY BATCH");
            assertEquals(2, batch.size(), "two partition keys");
            boolean b1 = BatchCapture.enter();
            coordinate(batch);
            BatchCapture.exit(b1);
            boolean b2 = BatchCapture.enter();
            coordinate(List.of(CassandraFixture.mutation(INSERT)));
            BatchCapture.exit(b2);
            coordinate(List.of(CassandraFixture.mutation(INSERT)));

            List<DecodedEvent> events = h.events();
            assertEquals(5, events.size());
            String id = events.get(0).extension.text(FieldIds.BATCH_ID);
            UUID uuid = UUID.fromString(id);
            assertEquals(4, uuid.version());
            assertEquals(2, uuid.variant());
            assertEquals(id, uuid.toString());
            for (DecodedEvent e : events.subList(0, 3)) {
                assertEquals(id, e.extension.text(FieldIds.BATCH_ID));
                assertEquals(3, e.extension.i64(FieldIds.BATCH_PARTITIONS), "= the batch's coordinator_write rows");
                assertEquals(2, e.extension.i64(FieldIds.BATCH_TABLES));
                assertEquals(List.of(32, 33, 34), e.extension.ids().subList(0, 3));
            }
            DecodedFields single = events.get(3).extension;
            assertNotEquals(id, single.text(FieldIds.BATCH_ID), "every batch gets its own id");
            assertEquals(1, single.i64(FieldIds.BATCH_PARTITIONS));
            assertEquals(1, single.i64(FieldIds.BATCH_TABLES));
            assertFalse(events.get(4).extension.has(FieldIds.BATCH_ID), "no batch id outside batches");
            assertEquals(0, CaptureThreadState.current().batch.depth);
        }
    }

    @Test
    void aLoggedMultiPartitionBatchUsesCassandrasBatchlogId() {
        try (CaptureHarness h = new CaptureHarness()) {
            List<Mutation> batch = CassandraFixture.mutations("BEGIN BATCH "
                    + "INSERT INTO shop.orders (pk, ck, v) VALUES (1, 1, 'a'); "
                    + "INSERT INTO shop.orders (pk, ck, v) VALUES (2, 1, 'b'); APPLY BATCH");
            TimeUUID batchlog = TimeUUID.Generator.nextTimeUUID();
            boolean b = BatchCapture.enter();
            boolean outer = WriteCapture.enter();          // mutateWithTriggers
            boolean inner = WriteCapture.enter();          // mutateAtomically
            BatchCapture.batchlogWritten(batchlog);        // syncWriteToBatchlog
            WriteCapture.exit(batch, ConsistencyLevel.QUORUM, null, inner);
            WriteCapture.exit(batch, ConsistencyLevel.QUORUM, null, outer);
            BatchCapture.exit(b);
            // a batchlog write outside a client batch (view or trigger) gives no batch id
            boolean single = WriteCapture.enter();
            BatchCapture.batchlogWritten(TimeUUID.Generator.nextTimeUUID());
            WriteCapture.exit(List.of(CassandraFixture.mutation(INSERT)), ConsistencyLevel.QUORUM, null, single);

            List<DecodedEvent> events = h.events();
            assertEquals(3, events.size());
            assertEquals(batchlog.toString(), events.get(0).extension.text(FieldIds.BATCH_ID));
            assertEquals(batchlog.toString(), events.get(1).extension.text(FieldIds.BATCH_ID));
            assertEquals(2, events.get(1).extension.i64(FieldIds.BATCH_PARTITIONS));
            assertEquals(1, events.get(1).extension.i64(FieldIds.BATCH_TABLES));
            assertFalse(events.get(2).extension.has(FieldIds.BATCH_ID));
        }
    }

    @Test
    void counterBatchesCountTheirCounterMutations() {
        try (CaptureHarness h = new CaptureHarness()) {
            List<? extends IMutation> raw = CassandraFixture.rawMutations("BEGIN COUNTER BATCH "
                    + "UPDATE shop.hits SET n = n + 1 WHERE pk = 1; "
                    + "UPDATE shop.hits SET n = n + 2 WHERE pk = 2; APPLY BATCH");
            boolean b = BatchCapture.enter();
            coordinate(raw);
            BatchCapture.exit(b);
            Set<String> ids = new HashSet<>();
            for (DecodedEvent e : h.events()) {
                ids.add(e.extension.text(FieldIds.BATCH_ID));
                assertEquals(2, e.extension.i64(FieldIds.BATCH_PARTITIONS));
            }
            assertEquals(1, ids.size());
        }
    }
}
