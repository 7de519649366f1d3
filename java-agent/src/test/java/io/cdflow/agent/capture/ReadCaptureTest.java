package io.cdflow.agent.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.CassandraFixture;
import io.cdflow.agent.testutil.DecodedFields;
import io.cdflow.agent.testutil.DecodedTagged;
import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.WireFormat;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.cassandra.cql3.QueryOptions;
import org.apache.cassandra.cql3.ResultSet;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.db.PartitionRangeReadCommand;
import org.apache.cassandra.db.ReadCommand;
import org.apache.cassandra.db.SinglePartitionReadCommand;
import org.apache.cassandra.db.WriteType;
import org.apache.cassandra.db.marshal.Int32Type;
import org.apache.cassandra.db.marshal.UTF8Type;
import org.apache.cassandra.dht.Murmur3Partitioner;
import org.apache.cassandra.exceptions.ReadTimeoutException;
import org.apache.cassandra.exceptions.WriteTimeoutException;
import org.apache.cassandra.locator.InetAddressAndPort;
import org.apache.cassandra.net.Message;
import org.apache.cassandra.net.Verb;
import org.apache.cassandra.schema.TableMetadata;
import org.apache.cassandra.service.ClientState;
import org.apache.cassandra.service.QueryState;
import org.apache.cassandra.transport.messages.ResultMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Coordinator reads, driven the way the read advice drives them, with the read commands Cassandra builds from CQL. */
class ReadCaptureTest {
    static final String SELECT_ONE = "SELECT * FROM shop.orders WHERE pk = 42";

    @BeforeAll
    static void cassandra() {
        CassandraFixture.init();
    }

    @AfterEach
    void uninstall() {
        CaptureRuntime.uninstall();
    }

    static SinglePartitionReadCommand.Group group(String cql) {
        return (SinglePartitionReadCommand.Group) CassandraFixture.readQuery(cql);
    }

    static ResultMessage.Rows rows(int n) {
        List<List<ByteBuffer>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(List.of(Int32Type.instance.decompose(i)));
        }
        return new ResultMessage.Rows(new ResultSet(ResultSet.ResultMetadata.EMPTY, rows));
    }

    static Message<ReadCommand> readMessage(Verb verb, ReadCommand command) {
        return Message.builder(verb, command).withId(1).build();
    }

    static InetAddressAndPort node(String address) throws Exception {
        return InetAddressAndPort.getByName(address);
    }

    /** A SELECT of {@code group} returning {@code rows} rows, with the given replica traffic inside StorageProxy.read. */
    static void select(SinglePartitionReadCommand.Group group, ConsistencyLevel cl, int rows, Runnable traffic) {
        boolean entered = ReadCapture.selectEnter();
        long start = ReadCapture.singleEnter();
        traffic.run();
        ReadCapture.singleExit(group, cl, null, start);
        ReadCapture.selectExit(rows(rows), null, entered);
    }

    @Test
    void singlePartitionSelect() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            SinglePartitionReadCommand.Group g = group(SELECT_ONE);
            SinglePartitionReadCommand cmd = g.queries.get(0);
            InetAddressAndPort other = node("127.0.0.2");
            select(g, ConsistencyLevel.QUORUM, 3, () -> {
                ReadCapture.localReadCreated();
                ReadCapture.readSent(readMessage(Verb.READ_REQ, cmd), other);
                ReadCapture.readSent(readMessage(Verb.READ_REQ, cmd.copyAsDigestQuery(List.of())), other);
                ReadCapture.readSent(Message.builder(Verb.MUTATION_REQ, "x").withId(2).build(), other);
            });
            List<DecodedTagged> reads = h.tagged(WireFormat.TABLE_EVENTS, "coordinator_read");
            assertEquals(1, reads.size());
            DecodedFields f = reads.get(0).fields;
            assertEquals(List.of(1, 2, 5, 3, 4, 11, 12, 14, 15, 35, 36, 17, 20), f.ids());
            assertEquals("127.0.0.1", h.text(f.str(FieldIds.NODE)));
            assertEquals("shop", h.text(f.str(FieldIds.KEYSPACE)));
            assertEquals("orders", h.text(f.str(FieldIds.TABLE)));
            assertEquals(4, f.i64(FieldIds.CONSISTENCY));
            assertEquals("127.0.0.1", h.text(f.str(FieldIds.COORDINATOR)));
            assertEquals(cmd.partitionKey().getToken().getLongValue(), f.i64(FieldIds.TOKEN));
            assertArrayEquals(new byte[] {0, 0, 0, 42}, f.bytes(FieldIds.PARTITION_KEY));
            assertFalse(f.bool(FieldIds.RANGE_SCAN));
            assertEquals(3, f.i64(FieldIds.ROWS_RETURNED));
            assertTrue(f.i64(FieldIds.LATENCY_US) >= 0);
            assertEquals(2, f.i64(FieldIds.REPLICAS), "this node and 127.0.0.2 (data + digest) once each");
            assertTrue(Math.abs(System.currentTimeMillis() * 1000 - f.i64(FieldIds.EVENT_TIME)) < 60_000_000L);
            CoordinatorRead r = CaptureThreadState.current().read;
            assertEquals(0, r.selectDepth);
            assertEquals(0, r.replicaCount());
            assertEquals(null, r.key, "no Cassandra object kept after the read");
        }
    }

    @Test
    void clientIdentityAndSession() {
        try (CaptureHarness h = new CaptureHarness()) {
            EmbeddedChannel channel = new EmbeddedChannel();
            boolean session = SessionCapture.enter(channel);
            ClientState cs = ClientState.forExternalCalls(new InetSocketAddress("10.0.0.7", 50000));
            cs.setDriverName("DataStax Python Driver");
            boolean request = RequestContext.enter(CassandraFixture.prepare(SELECT_ONE), new QueryState(cs),
                    QueryOptions.forInternalCalls(ConsistencyLevel.ONE, List.<ByteBuffer>of()));
            select(group(SELECT_ONE), ConsistencyLevel.ONE, 0, () -> { });
            RequestContext.exit(request);
            SessionCapture.exit(session);
            DecodedFields f = h.tagged(WireFormat.TABLE_EVENTS, "coordinator_read").get(0).fields;
            assertEquals("anonymous", h.text(f.str(FieldIds.USER)));
            assertEquals("10.0.0.7:50000", h.text(f.str(FieldIds.CLIENT_ADDRESS)));
            assertEquals("DataStax Python Driver", h.text(f.str(FieldIds.DRIVER_NAME)));
            assertTrue(h.text(f.str(FieldIds.SESSION_ID)).matches("[0-9a-f]{16}"));
            assertFalse(f.has(FieldIds.STATEMENT_TYPE));
            assertEquals(0, f.i64(FieldIds.ROWS_RETURNED));
            assertEquals(1, f.i64(FieldIds.CONSISTENCY));
        }
    }

    @Test
    void multiPartitionSelectHasNoKey() {
        try (CaptureHarness h = new CaptureHarness()) {
            SinglePartitionReadCommand.Group g = group("SELECT * FROM shop.orders WHERE pk IN (1, 2, 3)");
            assertEquals(3, g.queries.size());
            select(g, ConsistencyLevel.ONE, 5, () -> { });
            DecodedFields f = h.tagged(WireFormat.TABLE_EVENTS, "coordinator_read").get(0).fields;
            assertFalse(f.has(FieldIds.TOKEN));
            assertFalse(f.has(FieldIds.PARTITION_KEY));
            assertEquals(5, f.i64(FieldIds.ROWS_RETURNED));
        }
    }

    @Test
    void rangeScanRunsUntilItsIteratorCloses() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            PartitionRangeReadCommand cmd = (PartitionRangeReadCommand) CassandraFixture.readQuery("SELECT * FROM shop.orders");
            boolean entered = ReadCapture.selectEnter();
            long startedAt = System.nanoTime();
            ReadCapture.rangeStarted(cmd, ConsistencyLevel.LOCAL_ONE);
            // lazy: the requests go out while the statement iterates
            ReadCapture.readSent(readMessage(Verb.RANGE_REQ, cmd), node("127.0.0.2"));
            ReadCapture.readSent(readMessage(Verb.RANGE_REQ, cmd), node("127.0.0.3"));
            ReadCapture.readSent(readMessage(Verb.RANGE_REQ, cmd), node("127.0.0.2"));
            Thread.sleep(2);
            ReadCapture.rangeClosed();
            long closedAt = System.nanoTime();
            Thread.sleep(20);
            ReadCapture.selectExit(rows(10), null, entered);
            DecodedFields f = h.tagged(WireFormat.TABLE_EVENTS, "coordinator_read").get(0).fields;
            assertTrue(f.bool(FieldIds.RANGE_SCAN));
            assertFalse(f.has(FieldIds.TOKEN));
            assertEquals(10, f.i64(FieldIds.ROWS_RETURNED));
            assertEquals(2, f.i64(FieldIds.REPLICAS));
            assertEquals(10, f.i64(FieldIds.CONSISTENCY));
            long latency = f.i64(FieldIds.LATENCY_US);
            // Ends at close, not at the statement's exit: bounded by what elapsed between start and close.
            assertTrue(latency >= 2000 && latency <= (closedAt - startedAt) / 1000, "range latency ends at close: " + latency);
        }
    }

    @Test
    void failedSelectCarriesTheErrorAndNoRows() {
        try (CaptureHarness h = new CaptureHarness()) {
            SinglePartitionReadCommand.Group g = group(SELECT_ONE);
            ReadTimeoutException timeout = new ReadTimeoutException(ConsistencyLevel.QUORUM, 1, 2, false);
            boolean entered = ReadCapture.selectEnter();
            long start = ReadCapture.singleEnter();
            ReadCapture.singleExit(g, ConsistencyLevel.QUORUM, timeout, start);
            ReadCapture.selectExit(null, timeout, entered);
            DecodedFields f = h.tagged(WireFormat.TABLE_EVENTS, "coordinator_read").get(0).fields;
            assertEquals("ReadTimeoutException", h.text(f.str(FieldIds.ERROR)));
            assertFalse(f.has(FieldIds.ROWS_RETURNED));
        }
    }

    @Test
    void storageProxyReadsOutsideASelectAreReportedAlone() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            // e.g. the precondition read of a lightweight transaction, or a list read-before-write
            SinglePartitionReadCommand.Group g = group(SELECT_ONE);
            long start = ReadCapture.singleEnter();
            ReadCapture.readSent(readMessage(Verb.READ_REQ, g.queries.get(0)), node("127.0.0.2"));
            long nested = ReadCapture.singleEnter();
            ReadCapture.singleExit(g, ConsistencyLevel.SERIAL, null, nested);
            assertTrue(h.tagged().isEmpty(), "nested calls do not emit");
            ReadCapture.singleExit(g, ConsistencyLevel.SERIAL, null, start);
            List<DecodedTagged> reads = h.tagged(WireFormat.TABLE_EVENTS, "coordinator_read");
            assertEquals(1, reads.size());
            DecodedFields f = reads.get(0).fields;
            assertFalse(f.has(FieldIds.ROWS_RETURNED));
            assertEquals(8, f.i64(FieldIds.CONSISTENCY));
            assertEquals(1, f.i64(FieldIds.REPLICAS));
            assertEquals(0, CaptureThreadState.current().read.spDepth);
        }
    }

    @Test
    void selectsThatReachNoStorageProxyEmitNothing() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            boolean entered = ReadCapture.selectEnter();
            ReadCapture.selectExit(rows(1), null, entered);
            // sends outside any read are not counted anywhere
            ReadCapture.readSent(readMessage(Verb.READ_REQ, group(SELECT_ONE).queries.get(0)), node("127.0.0.2"));
            ReadCapture.localReadCreated();
            assertTrue(h.tagged().isEmpty());
            assertEquals(0, CaptureThreadState.current().read.replicaCount());
            assertEquals(0, h.runtime.captureErrors());
        }
    }

    @Test
    void systemKeyspacesAreSkippedUnlessIncluded() {
        TableMetadata sys = TableMetadata.builder("system_test", "t").partitioner(Murmur3Partitioner.instance)
                .addPartitionKeyColumn("k", Int32Type.instance).addRegularColumn("v", UTF8Type.instance).build();
        SinglePartitionReadCommand cmd = SinglePartitionReadCommand.fullPartitionRead(sys, 1_764_000_000L,
                Int32Type.instance.decompose(1));
        SinglePartitionReadCommand.Group g = SinglePartitionReadCommand.Group.one(cmd);
        try (CaptureHarness h = new CaptureHarness(false)) {
            select(g, ConsistencyLevel.ONE, 1, () -> { });
            long start = ReadCapture.singleEnter();
            ReadCapture.singleExit(g, ConsistencyLevel.ONE, null, start);
            assertTrue(h.tagged().isEmpty());
        }
        try (CaptureHarness h = new CaptureHarness(true)) {
            select(g, ConsistencyLevel.ONE, 1, () -> { });
            assertEquals("system_test", h.text(h.tagged().get(0).fields.str(FieldIds.KEYSPACE)));
        }
    }

    @Test
    void captureErrorsAreCountedNotThrown() {
        try (CaptureHarness h = new CaptureHarness()) {
            boolean entered = ReadCapture.selectEnter();
            long start = ReadCapture.singleEnter();
            ReadCapture.singleExit("not a group", ConsistencyLevel.ONE, null, start);
            ReadCapture.rangeStarted("not a command", ConsistencyLevel.ONE);
            ReadCapture.readSent("not a message", "x");
            ReadCapture.selectExit(rows(1), new WriteTimeoutException(WriteType.SIMPLE, ConsistencyLevel.ONE, 0, 1), entered);
            assertEquals(3, h.runtime.captureErrors());
            assertTrue(h.tagged().isEmpty());
            assertEquals(0, CaptureThreadState.current().read.selectDepth);
        }
    }

    @Test
    void nothingHappensWithoutARuntime() {
        CaptureRuntime.uninstall();
        assertFalse(ReadCapture.selectEnter());
        assertEquals(-1, ReadCapture.singleEnter());
        ReadCapture.singleExit(null, null, null, -1);
        ReadCapture.selectExit(null, null, false);
        ReadCapture.rangeClosed();
        assertEquals(0, CaptureThreadState.current().read.spDepth);
    }
}
