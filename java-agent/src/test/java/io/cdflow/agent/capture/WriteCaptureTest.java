package io.cdflow.agent.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.CassandraFixture;
import io.cdflow.agent.testutil.DecodedEvent;
import io.cdflow.agent.wire.WireFormat;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.cassandra.cql3.QueryOptions;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.db.IMutation;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.db.partitions.PartitionUpdate;
import org.apache.cassandra.dht.Murmur3Partitioner;
import org.apache.cassandra.db.marshal.Int32Type;
import org.apache.cassandra.db.marshal.UTF8Type;
import org.apache.cassandra.exceptions.OverloadedException;
import org.apache.cassandra.net.MessagingService;
import org.apache.cassandra.schema.TableMetadata;
import org.apache.cassandra.service.ClientState;
import org.apache.cassandra.service.QueryState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Coordinator capture, driven the way the StorageProxy advice drives it, with real Mutations. */
class WriteCaptureTest {
    static final String INSERT = "INSERT INTO shop.orders (pk, ck, v, w) VALUES (42, 1, 'a', 2)";

    @BeforeAll
    static void cassandra() {
        CassandraFixture.init();
    }

    @AfterEach
    void uninstall() {
        CaptureRuntime.uninstall();
    }

    /** One StorageProxy call around {@code mutations}. */
    static void coordinate(List<? extends IMutation> mutations, ConsistencyLevel cl, Throwable thrown) {
        boolean entered = WriteCapture.enter();
        WriteCapture.exit(mutations, cl, thrown, entered);
    }

    @Test
    void oneInsertGivesOneCoordinatorWrite() {
        try (CaptureHarness h = new CaptureHarness()) {
            Mutation m = CassandraFixture.mutation(INSERT);
            coordinate(List.of(m), ConsistencyLevel.QUORUM, null);
            List<DecodedEvent> events = h.events();
            assertEquals(1, events.size());
            DecodedEvent e = events.get(0);
            assertEquals(WireFormat.KIND_COORDINATOR_WRITE, e.kind);
            assertEquals(4, e.consistency);
            assertEquals(0, e.flags);
            assertEquals("127.0.0.1", h.text(e.node));
            assertEquals(e.node, e.coordinator);
            assertEquals("shop", h.text(e.keyspace));
            assertEquals("orders", h.text(e.table));
            assertEquals(m.key().getToken().getLongValue(), e.token);
            assertArrayEquals(new byte[] {0, 0, 0, 42}, e.key);
            assertEquals(m.serializedSize(MessagingService.current_version), e.bytes);
            assertEquals(1, e.rows);
            assertEquals(2, e.cells);
            assertEquals(0, e.tombstones);
            assertEquals(-1, e.messageId);
            assertTrue(e.latencyMicros >= 0);
            assertEquals(0, e.error);
            assertEquals(0, e.user);
            assertEquals(0, e.clientAddress);
            assertEquals(0, e.statementType);
            assertEquals(0, e.replicas);
            long now = System.currentTimeMillis() * 1000;
            assertTrue(Math.abs(now - e.eventTimeMicros) < 60_000_000L, "event time is wall-clock microseconds");
        }
    }

    @Test
    void onlyTheOutermostCallEmits() {
        try (CaptureHarness h = new CaptureHarness()) {
            List<Mutation> ms = List.of(CassandraFixture.mutation(INSERT));
            boolean outer = WriteCapture.enter();     // mutateWithTriggers
            boolean inner = WriteCapture.enter();     // mutate
            CaptureThreadState.current().write.contacts.record(ms.get(0), 3); // sendToHintedReplicas inside mutate
            WriteCapture.exit(ms, ConsistencyLevel.ONE, null, inner);
            assertTrue(h.events().isEmpty());
            WriteCapture.exit(ms, ConsistencyLevel.ONE, null, outer);
            List<DecodedEvent> events = h.events();
            assertEquals(1, events.size());
            assertEquals(3, events.get(0).replicas);
            assertEquals(1, events.get(0).consistency);
            assertTrue(CaptureThreadState.current().write.contacts.isEmpty(), "scratch cleared at the outermost exit");
            assertEquals(0, CaptureThreadState.current().write.depth);
        }
    }

    @Test
    void failedCallCarriesTheExceptionName() {
        try (CaptureHarness h = new CaptureHarness()) {
            coordinate(List.of(CassandraFixture.mutation(INSERT)), ConsistencyLevel.QUORUM, new OverloadedException("busy"));
            DecodedEvent e = h.events().get(0);
            assertEquals(WireFormat.FLAG_FAILED, e.flags);
            assertEquals("OverloadedException", h.text(e.error));
        }
    }

    @Test
    void multiTableMutationGivesOneEventPerTableWithTableDataSize() {
        try (CaptureHarness h = new CaptureHarness()) {
            Mutation m = CassandraFixture.mutation("BEGIN UNLOGGED BATCH "
                    + "INSERT INTO shop.orders (pk, ck, v) VALUES (5, 1, 'a'); "
                    + "INSERT INTO shop.items (pk, ck, q) VALUES (5, 1, 3); "
                    + "INSERT INTO shop.items (pk, ck, q) VALUES (5, 2, 4); APPLY BATCH");
            assertEquals(2, m.getPartitionUpdates().size());
            coordinate(List.of(m), ConsistencyLevel.LOCAL_QUORUM, null);
            List<DecodedEvent> events = h.events();
            assertEquals(2, events.size());
            for (DecodedEvent e : events) {
                PartitionUpdate u = m.getPartitionUpdates().stream()
                        .filter(p -> p.metadata().name.equals(h.text(e.table))).findFirst().orElseThrow();
                assertEquals(u.dataSize(), e.bytes);
                assertEquals(u.rowCount(), e.rows);
                assertEquals(6, e.consistency);
            }
            assertEquals(Set.of("orders", "items"), Set.of(h.text(events.get(0).table), h.text(events.get(1).table)));
        }
    }

    @Test
    void severalPartitionsGiveSeveralEvents() {
        try (CaptureHarness h = new CaptureHarness()) {
            List<Mutation> ms = CassandraFixture.mutations("BEGIN UNLOGGED BATCH "
                    + "INSERT INTO shop.orders (pk, ck, v) VALUES (1, 1, 'a'); "
                    + "INSERT INTO shop.orders (pk, ck, v) VALUES (2, 1, 'b'); APPLY BATCH");
            assertEquals(2, ms.size());
            CaptureThreadState st = CaptureThreadState.current();
            boolean entered = WriteCapture.enter();
            st.write.contacts.record(ms.get(1), 2);
            st.write.contacts.record(ms.get(0), 1);
            WriteCapture.exit(new ArrayList<>(ms), ConsistencyLevel.ONE, null, entered);
            List<DecodedEvent> events = h.events();
            assertEquals(2, events.size());
            assertEquals(1, events.get(0).replicas);
            assertEquals(2, events.get(1).replicas);
        }
    }

    @Test
    void counterMutationIsUnwrapped() {
        try (CaptureHarness h = new CaptureHarness()) {
            List<? extends IMutation> raw = CassandraFixture.rawMutations("UPDATE shop.hits SET n = n + 1 WHERE pk = 9");
            coordinate(raw, ConsistencyLevel.ONE, null);
            DecodedEvent e = h.events().get(0);
            assertEquals("hits", h.text(e.table));
            assertEquals(1, e.cells);
        }
    }

    @Test
    void systemKeyspacesAreSkippedUnlessIncluded() {
        TableMetadata sys = TableMetadata.builder("system_test", "t").partitioner(Murmur3Partitioner.instance)
                .addPartitionKeyColumn("k", Int32Type.instance).addRegularColumn("v", UTF8Type.instance).build();
        PartitionUpdate.SimpleBuilder builder = PartitionUpdate.simpleBuilder(sys, 1);
        builder.row().add("v", "x");
        Mutation m = new Mutation(builder.build());
        try (CaptureHarness h = new CaptureHarness(false)) {
            coordinate(List.of(m), ConsistencyLevel.ONE, null);
            assertTrue(h.events().isEmpty());
        }
        try (CaptureHarness h = new CaptureHarness(true)) {
            coordinate(List.of(m), ConsistencyLevel.ONE, null);
            assertEquals("system_test", h.text(h.events().get(0).keyspace));
        }
    }

    @Test
    void clientRequestIdentityIsAttached() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            ClientState cs = ClientState.forExternalCalls(new InetSocketAddress("127.0.0.1", 53412));
            cs.setDriverName("DataStax Java Driver");
            cs.setDriverVersion("3.12.1");
            var userField = ClientState.class.getDeclaredField("user");
            userField.setAccessible(true);
            userField.set(cs, new org.apache.cassandra.auth.AuthenticatedUser("svc_orders"));
            QueryOptions options = QueryOptions.forInternalCalls(ConsistencyLevel.LOCAL_QUORUM, List.<ByteBuffer>of());
            Object statement = CassandraFixture.prepare(INSERT);

            boolean entered = RequestContext.enter(statement, new QueryState(cs), options);
            assertTrue(entered);
            assertEquals(6, CaptureThreadState.current().request.consistency);
            coordinate(List.of(CassandraFixture.mutation(INSERT)), ConsistencyLevel.LOCAL_QUORUM, null);
            RequestContext.exit(entered);
            assertFalse(CaptureThreadState.current().request.isActive(), "context cleared at request exit");
            coordinate(List.of(CassandraFixture.mutation(INSERT)), ConsistencyLevel.LOCAL_QUORUM, null);

            List<DecodedEvent> events = h.events();
            DecodedEvent e = events.get(0);
            assertEquals("svc_orders", h.text(e.user));
            assertEquals("127.0.0.1:53412", h.text(e.clientAddress));
            assertEquals("DataStax Java Driver", h.text(e.driverName));
            assertEquals("3.12.1", h.text(e.driverVersion));
            assertEquals("INSERT", h.text(e.statementType));
            DecodedEvent after = events.get(1);
            assertEquals(0, after.user);
            assertEquals(0, after.clientAddress);
            assertEquals(0, after.statementType);
        }
    }

    @Test
    void statementTypes() {
        try (CaptureHarness h = new CaptureHarness()) {
            assertEquals("INSERT", h.text(RequestContext.statementTypeId(h.ids, CassandraFixture.prepare(INSERT))));
            assertEquals("UPDATE", h.text(RequestContext.statementTypeId(h.ids,
                    CassandraFixture.prepare("UPDATE shop.orders SET v = 'b' WHERE pk = 1 AND ck = 1"))));
            assertEquals("DELETE", h.text(RequestContext.statementTypeId(h.ids,
                    CassandraFixture.prepare("DELETE FROM shop.orders WHERE pk = 1"))));
            assertEquals("BATCH_LOGGED", h.text(RequestContext.statementTypeId(h.ids,
                    CassandraFixture.prepare("BEGIN BATCH " + INSERT + "; APPLY BATCH"))));
            assertEquals("BATCH_UNLOGGED", h.text(RequestContext.statementTypeId(h.ids,
                    CassandraFixture.prepare("BEGIN UNLOGGED BATCH " + INSERT + "; APPLY BATCH"))));
            assertEquals("BATCH_COUNTER", h.text(RequestContext.statementTypeId(h.ids,
                    CassandraFixture.prepare("BEGIN COUNTER BATCH UPDATE shop.hits SET n = n + 1 WHERE pk = 1; APPLY BATCH"))));
            assertNull(h.text(RequestContext.statementTypeId(h.ids, CassandraFixture.prepare("SELECT * FROM shop.orders"))));
        }
    }

    @Test
    void internalRequestsAreNotRecorded() {
        try (CaptureHarness h = new CaptureHarness()) {
            QueryOptions options = QueryOptions.forInternalCalls(ConsistencyLevel.ONE, List.<ByteBuffer>of());
            assertFalse(RequestContext.enter(CassandraFixture.prepare(INSERT), new QueryState(ClientState.forInternalCalls()), options));
            assertFalse(CaptureThreadState.current().request.isActive());
            assertEquals(0, h.runtime.captureErrors());
        }
    }

    @Test
    void nothingHappensWithoutARuntime() {
        CaptureRuntime.uninstall();
        assertFalse(WriteCapture.enter());
        WriteCapture.exit(List.of(), ConsistencyLevel.ONE, null, false);
        assertEquals(0, CaptureThreadState.current().write.depth);
    }

    @Test
    void captureErrorsAreCountedNotThrown() {
        try (CaptureHarness h = new CaptureHarness()) {
            boolean entered = WriteCapture.enter();
            WriteCapture.replicasContacted(CassandraFixture.mutation(INSERT), "not a plan");
            WriteCapture.exit(List.of(CassandraFixture.mutation(INSERT)), ConsistencyLevel.ONE, null, entered);
            assertEquals(1, h.runtime.captureErrors());
            assertEquals(1, h.events().size());
        }
    }
}
