package io.cdflow.agent.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.CassandraFixture;
import io.cdflow.agent.testutil.DecodedFields;
import io.cdflow.agent.testutil.DecodedTagged;
import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.WireFormat;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.cassandra.cql3.QueryOptions;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.db.PartitionRangeReadCommand;
import org.apache.cassandra.db.ReadCommand;
import org.apache.cassandra.db.SinglePartitionReadCommand;
import org.apache.cassandra.db.marshal.Int32Type;
import org.apache.cassandra.db.marshal.UTF8Type;
import org.apache.cassandra.dht.Murmur3Partitioner;
import org.apache.cassandra.locator.InetAddressAndPort;
import org.apache.cassandra.net.Message;
import org.apache.cassandra.net.Verb;
import org.apache.cassandra.schema.TableMetadata;
import org.apache.cassandra.service.ClientState;
import org.apache.cassandra.service.QueryState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Replica reads, driven the way the handler and MetricRecording advice drive them, with real read commands. */
class ReplicaReadCaptureTest {
    @BeforeAll
    static void cassandra() {
        CassandraFixture.init();
    }

    @AfterEach
    void uninstall() {
        CaptureRuntime.uninstall();
    }

    static SinglePartitionReadCommand single() {
        return ((SinglePartitionReadCommand.Group) CassandraFixture.readQuery("SELECT * FROM shop.orders WHERE pk = 42")).queries.get(0);
    }

    static Message<ReadCommand> message(Verb verb, ReadCommand cmd, long id, String from) throws Exception {
        return Message.builder(verb, cmd).withId(id).from(InetAddressAndPort.getByName(from)).build();
    }

    @Test
    void remoteReadNamesItsCoordinatorAndMessage() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            SinglePartitionReadCommand cmd = single();
            boolean entered = ReplicaReadCapture.remoteEnter(message(Verb.READ_REQ, cmd, 99, "127.0.0.2"));
            assertTrue(entered);
            ReplicaReadCapture.closed(cmd, 5, 7, System.nanoTime() - 3_000_000);
            ReplicaReadCapture.exit(entered);
            List<DecodedTagged> reads = h.tagged(WireFormat.TABLE_EVENTS, "replica_read");
            assertEquals(1, reads.size());
            DecodedFields f = reads.get(0).fields;
            assertEquals(List.of(1, 2, 5, 3, 4, 12, 16, 14, 15, 35, 37, 38, 17), f.ids());
            assertEquals("127.0.0.2", h.text(f.str(FieldIds.COORDINATOR)));
            assertEquals(99, f.i64(FieldIds.MESSAGE_ID));
            assertEquals(5, f.i64(FieldIds.TOMBSTONES_SCANNED));
            assertEquals(7, f.i64(FieldIds.LIVE_ROWS));
            assertFalse(f.bool(FieldIds.RANGE_SCAN));
            assertArrayEquals(new byte[] {0, 0, 0, 42}, f.bytes(FieldIds.PARTITION_KEY));
            assertEquals(cmd.partitionKey().getToken().getLongValue(), f.i64(FieldIds.TOKEN));
            assertTrue(f.i64(FieldIds.LATENCY_US) >= 3000);
            assertFalse(f.has(FieldIds.APPLIED_LOCALLY));
            assertNull(CaptureThreadState.current().replicaRead.command);
            assertNull(CaptureThreadState.current().replicaRead.from);
        }
    }

    @Test
    void localReadOnTheRequestThreadCarriesTheRequestIdentity() {
        try (CaptureHarness h = new CaptureHarness()) {
            SinglePartitionReadCommand cmd = single();
            ClientState cs = ClientState.forExternalCalls(new InetSocketAddress("10.0.0.9", 40000));
            boolean request = RequestContext.enter(CassandraFixture.prepare("SELECT * FROM shop.orders WHERE pk = 42"),
                    new QueryState(cs), QueryOptions.forInternalCalls(ConsistencyLevel.ONE, List.<ByteBuffer>of()));
            boolean entered = ReplicaReadCapture.localEnter(cmd);
            ReplicaReadCapture.closed(cmd, 0, 1, System.nanoTime());
            ReplicaReadCapture.exit(entered);
            RequestContext.exit(request);
            DecodedFields f = h.tagged(WireFormat.TABLE_EVENTS, "replica_read").get(0).fields;
            assertTrue(f.bool(FieldIds.APPLIED_LOCALLY));
            assertEquals("127.0.0.1", h.text(f.str(FieldIds.COORDINATOR)));
            assertFalse(f.has(FieldIds.MESSAGE_ID));
            assertEquals("10.0.0.9:40000", h.text(f.str(FieldIds.CLIENT_ADDRESS)));
            assertEquals("anonymous", h.text(f.str(FieldIds.USER)));
            assertEquals(1, f.i64(FieldIds.LIVE_ROWS));
        }
    }

    @Test
    void rangeReadIsAScanWithoutKey() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            PartitionRangeReadCommand cmd = (PartitionRangeReadCommand) CassandraFixture.readQuery("SELECT * FROM shop.orders");
            boolean entered = ReplicaReadCapture.remoteEnter(message(Verb.RANGE_REQ, cmd, 3, "127.0.0.1"));
            ReplicaReadCapture.closed(cmd, 12, 30, System.nanoTime());
            ReplicaReadCapture.exit(entered);
            DecodedFields f = h.tagged(WireFormat.TABLE_EVENTS, "replica_read").get(0).fields;
            assertTrue(f.bool(FieldIds.RANGE_SCAN));
            assertFalse(f.has(FieldIds.TOKEN));
            assertFalse(f.has(FieldIds.PARTITION_KEY));
            assertEquals("127.0.0.1", h.text(f.str(FieldIds.COORDINATOR)), "a range request this node sent itself");
            assertEquals(12, f.i64(FieldIds.TOMBSTONES_SCANNED));
        }
    }

    @Test
    void onlyTheHandlersOwnCommandIsReportedOnce() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            SinglePartitionReadCommand cmd = single();
            SinglePartitionReadCommand internal = single();
            ReplicaReadCapture.closed(cmd, 1, 1, System.nanoTime());       // outside any handler: internal read
            boolean entered = ReplicaReadCapture.remoteEnter(message(Verb.READ_REQ, cmd, 1, "127.0.0.2"));
            assertFalse(ReplicaReadCapture.localEnter(internal), "a frame is already open");
            ReplicaReadCapture.closed(internal, 1, 1, System.nanoTime());  // another command inside the handler
            ReplicaReadCapture.closed(cmd, 2, 2, System.nanoTime());
            ReplicaReadCapture.closed(cmd, 3, 3, System.nanoTime());       // a second close: not a second row
            ReplicaReadCapture.exit(entered);
            List<DecodedTagged> reads = h.tagged(WireFormat.TABLE_EVENTS, "replica_read");
            assertEquals(1, reads.size());
            assertEquals(2, reads.get(0).fields.i64(FieldIds.TOMBSTONES_SCANNED));
        }
    }

    @Test
    void systemKeyspacesAreSkipped() throws Exception {
        TableMetadata sys = TableMetadata.builder("system_test", "t").partitioner(Murmur3Partitioner.instance)
                .addPartitionKeyColumn("k", Int32Type.instance).addRegularColumn("v", UTF8Type.instance).build();
        SinglePartitionReadCommand cmd = SinglePartitionReadCommand.fullPartitionRead(sys, 1_764_000_000L,
                Int32Type.instance.decompose(1));
        try (CaptureHarness h = new CaptureHarness()) {
            boolean entered = ReplicaReadCapture.localEnter(cmd);
            ReplicaReadCapture.closed(cmd, 0, 1, System.nanoTime());
            ReplicaReadCapture.exit(entered);
            assertTrue(h.tagged().isEmpty());
        }
    }

    @Test
    void captureErrorsAreCountedNotThrown() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            assertFalse(ReplicaReadCapture.remoteEnter("not a message"));
            boolean entered = ReplicaReadCapture.localEnter("not a command");
            ReplicaReadCapture.closed("not a command", 0, 0, 0);
            ReplicaReadCapture.exit(entered);
            assertEquals(2, h.runtime.captureErrors());
            assertNull(CaptureThreadState.current().replicaRead.command);
        }
    }
}
