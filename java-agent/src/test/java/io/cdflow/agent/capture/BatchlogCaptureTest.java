package io.cdflow.agent.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.CassandraFixture;
import io.cdflow.agent.testutil.DecodedFields;
import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.WireFormat;
import org.apache.cassandra.batchlog.Batch;
import org.apache.cassandra.locator.InetAddressAndPort;
import org.apache.cassandra.net.Message;
import org.apache.cassandra.net.Verb;
import org.apache.cassandra.utils.TimeUUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Batchlog capture with real Batches and internode Messages. */
class BatchlogCaptureTest {
    static final String BATCH = "BEGIN BATCH INSERT INTO shop.orders (pk, ck, v) VALUES (1, 1, 'a'); "
            + "INSERT INTO shop.orders (pk, ck, v) VALUES (2, 1, 'b'); "
            + "INSERT INTO shop.items (pk, ck, q) VALUES (3, 1, 5); APPLY BATCH";

    @BeforeAll
    static void cassandra() {
        CassandraFixture.init();
    }

    @AfterEach
    void uninstall() {
        CaptureRuntime.uninstall();
    }

    @Test
    void localStoreAndRemoveShareTheBatchlogId() {
        try (CaptureHarness h = new CaptureHarness()) {
            TimeUUID id = TimeUUID.Generator.nextTimeUUID();
            BatchlogCapture.stored(Batch.createLocal(id, 1_764_000_000_000_000L, CassandraFixture.mutations(BATCH)));
            BatchlogCapture.removed(id);
            DecodedFields store = h.tagged(WireFormat.TABLE_EVENTS, BatchlogCapture.STORE_KIND).get(0).fields;
            DecodedFields remove = h.tagged(WireFormat.TABLE_EVENTS, BatchlogCapture.REMOVE_KIND).get(0).fields;
            assertEquals(id.toString(), store.text(FieldIds.BATCHLOG_ID));
            assertEquals(id.toString(), remove.text(FieldIds.BATCHLOG_ID));
            assertEquals(3, store.i64(FieldIds.BATCHLOG_MUTATIONS));
            assertFalse(remove.has(FieldIds.BATCHLOG_MUTATIONS));
            assertTrue(store.bool(FieldIds.APPLIED_LOCALLY));
            assertEquals("127.0.0.1", h.text(store.str(FieldIds.COORDINATOR)));
        }
    }

    @Test
    void aLocalStoreOnAnotherThreadCarriesTheRequestIdentity() {
        try (CaptureHarness h = new CaptureHarness()) {
            TimeUUID id = TimeUUID.Generator.nextTimeUUID();
            java.net.InetSocketAddress client = new java.net.InetSocketAddress("10.0.0.9", 40000);
            boolean request = RequestContext.enter(CassandraFixture.prepare(BATCH),
                    new org.apache.cassandra.service.QueryState(org.apache.cassandra.service.ClientState.forExternalCalls(client)),
                    org.apache.cassandra.cql3.QueryOptions.DEFAULT);
            BatchCapture.batchlogWritten(id);
            RequestContext.exit(request);
            BatchlogCapture.stored(Batch.createLocal(id, 1_764_000_000_000_000L, CassandraFixture.mutations(BATCH)));
            BatchlogCapture.written(id);
            DecodedFields store = h.tagged(WireFormat.TABLE_EVENTS, BatchlogCapture.STORE_KIND).get(0).fields;
            assertEquals("10.0.0.9:40000", h.text(store.str(FieldIds.CLIENT_ADDRESS)));
            assertFalse(CaptureThreadState.current().request.isActive());
            assertEquals(0, BatchlogCapture.HANDOFF.size());
        }
    }

    @Test
    void remoteRequestsNameTheirSender() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            TimeUUID id = TimeUUID.Generator.nextTimeUUID();
            Message<TimeUUID> message = Message.builder(Verb.BATCH_REMOVE_REQ, id)
                    .from(InetAddressAndPort.getByName("127.0.0.2")).withId(4712).build();
            boolean handling = BatchlogCapture.verbEnter(message);
            BatchlogCapture.removed(message.payload);
            BatchlogCapture.verbExit(handling);
            BatchlogCapture.removed(id); // outside the handler: local
            var rows = h.tagged(WireFormat.TABLE_EVENTS, BatchlogCapture.REMOVE_KIND);
            DecodedFields remote = rows.get(0).fields;
            assertEquals("127.0.0.2", h.text(remote.str(FieldIds.COORDINATOR)));
            assertEquals(4712, remote.i64(FieldIds.MESSAGE_ID));
            assertFalse(remote.has(FieldIds.APPLIED_LOCALLY));
            assertTrue(rows.get(1).fields.bool(FieldIds.APPLIED_LOCALLY));
            BatchlogCapture.stored("not a batch");
            assertEquals(1, h.runtime.captureErrors());
        }
    }
}
