package io.cdflow.agent.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.CassandraFixture;
import io.cdflow.agent.testutil.DecodedEvent;
import io.cdflow.agent.wire.WireFormat;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.cassandra.cql3.QueryOptions;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.locator.InetAddressAndPort;
import org.apache.cassandra.net.Message;
import org.apache.cassandra.net.MessagingService;
import org.apache.cassandra.net.Verb;
import org.apache.cassandra.service.ClientState;
import org.apache.cassandra.service.QueryState;
import org.apache.cassandra.utils.MonotonicClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Replica capture with real Mutations and a real internode Message. */
class ReplicaCaptureTest {
    static final String DELETE = "DELETE FROM shop.orders WHERE pk = 42 AND ck = 1";

    @BeforeAll
    static void cassandra() {
        CassandraFixture.init();
    }

    @AfterEach
    void uninstall() {
        CaptureRuntime.uninstall();
    }

    @Test
    void localApplyIsAReplicaWriteAppliedLocally() {
        try (CaptureHarness h = new CaptureHarness()) {
            Mutation m = CassandraFixture.mutation(DELETE);
            ReplicaCapture.localApplied(m, null);
            DecodedEvent e = h.events().get(0);
            assertEquals(WireFormat.KIND_REPLICA_WRITE, e.kind);
            assertEquals(WireFormat.FLAG_APPLIED_LOCALLY, e.flags);
            assertEquals(WireFormat.CONSISTENCY_UNKNOWN, e.consistency);
            assertEquals("127.0.0.1", h.text(e.coordinator));
            assertEquals(e.node, e.coordinator);
            assertEquals(-1, e.messageId);
            assertEquals(-1, e.latencyMicros);
            assertEquals(0, e.replicas);
            assertEquals(1, e.rows);
            assertEquals(1, e.tombstones);
            assertEquals(m.serializedSize(MessagingService.current_version), e.bytes);
            assertArrayEquals(new byte[] {0, 0, 0, 42}, e.key);
            assertEquals(0, e.user);
        }
    }

    @Test
    void localApplyOnTheRequestThreadCarriesTheRequestIdentity() {
        try (CaptureHarness h = new CaptureHarness()) {
            ClientState cs = ClientState.forExternalCalls(new InetSocketAddress("10.0.0.9", 40000));
            QueryOptions options = QueryOptions.forInternalCalls(ConsistencyLevel.ONE, List.<ByteBuffer>of());
            boolean entered = RequestContext.enter(CassandraFixture.prepare(DELETE), new QueryState(cs), options);
            ReplicaCapture.localApplied(CassandraFixture.mutation(DELETE), null);
            RequestContext.exit(entered);
            DecodedEvent e = h.events().get(0);
            assertEquals("10.0.0.9:40000", h.text(e.clientAddress));
            assertEquals("anonymous", h.text(e.user));
            assertEquals("DELETE", h.text(e.statementType));
            assertEquals(WireFormat.CONSISTENCY_UNKNOWN, e.consistency);
        }
    }

    @Test
    void failedApplyEmitsNothing() {
        try (CaptureHarness h = new CaptureHarness()) {
            ReplicaCapture.localApplied(CassandraFixture.mutation(DELETE), new RuntimeException("x"));
            assertTrue(h.events().isEmpty());
            assertEquals(0, h.runtime.captureErrors());
        }
    }

    @Test
    void remoteMutationNamesItsCoordinatorAndMessage() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            Mutation m = CassandraFixture.mutation(DELETE);
            Message<Mutation> message = Message.builder(Verb.MUTATION_REQ, m).withId(4711).build();
            InetAddressAndPort coordinator = InetAddressAndPort.getByName("127.0.0.2");
            ReplicaCapture.remoteApplied(message, coordinator, null);
            DecodedEvent e = h.events().get(0);
            assertEquals(WireFormat.KIND_REPLICA_WRITE, e.kind);
            assertEquals(0, e.flags);
            assertEquals("127.0.0.2", h.text(e.coordinator));
            assertEquals("127.0.0.1", h.text(e.node));
            assertEquals(4711, e.messageId);
            assertTrue(e.latencyMicros >= 0 && e.latencyMicros < 60_000_000L, "latency " + e.latencyMicros);
            assertEquals(0, e.user);
            assertEquals("orders", h.text(e.table));
        }
    }

    /**
     * The older hook point (MutationVerbHandler.doVerb, releases before applyMutation): a live message is the same
     * replica write, coordinator = its respond-to address (here its sender); an expired one, which doVerb drops,
     * and one whose apply threw record nothing.
     */
    @Test
    void doVerbRecordsALiveMessageAndNotAnExpiredOne() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            Mutation m = CassandraFixture.mutation(DELETE);
            InetAddressAndPort coordinator = InetAddressAndPort.getByName("127.0.0.3");
            long now = MonotonicClock.Global.approxTime.now();
            Message<Mutation> expired = Message.builder(Verb.MUTATION_REQ, m).withId(4712).from(coordinator)
                    .withCreatedAt(now - 20_000_000_000L).withExpiresAt(now - 10_000_000_000L).build();
            boolean applies = ReplicaCapture.remoteVerbEnter(expired);
            ReplicaCapture.remoteVerbExit(expired, null, applies);
            assertEquals(false, applies);
            Message<Mutation> threw = Message.builder(Verb.MUTATION_REQ, m).withId(4713).from(coordinator)
                    .withCreatedAt(now).withExpiresAt(now + 10_000_000_000L).build();
            assertTrue(ReplicaCapture.remoteVerbEnter(threw));
            ReplicaCapture.remoteVerbExit(threw, new RuntimeException("apply failed"), true);
            assertTrue(h.events().isEmpty());

            Message<Mutation> live = Message.builder(Verb.MUTATION_REQ, m).withId(4714).from(coordinator)
                    .withCreatedAt(now).withExpiresAt(now + 10_000_000_000L).build();
            applies = ReplicaCapture.remoteVerbEnter(live);
            ReplicaCapture.remoteVerbExit(live, null, applies);
            assertTrue(applies);
            List<DecodedEvent> events = h.events();
            assertEquals(1, events.size());
            DecodedEvent e = events.get(0);
            assertEquals(WireFormat.KIND_REPLICA_WRITE, e.kind);
            assertEquals("127.0.0.3", h.text(e.coordinator));
            assertEquals(4714, e.messageId);
            assertEquals("orders", h.text(e.table));
            assertEquals(0, h.runtime.captureErrors());
        }
    }

    @Test
    void wrongArgumentsAreCountedNotThrown() {
        try (CaptureHarness h = new CaptureHarness()) {
            ReplicaCapture.localApplied("not a mutation", null);
            ReplicaCapture.remoteApplied("not a message", null, null);
            assertFalse(ReplicaCapture.remoteVerbEnter("not a message"));
            ReplicaCapture.remoteVerbExit("not a message", null, true);
            assertEquals(4, h.runtime.captureErrors());
            assertTrue(h.events().isEmpty());
        }
    }
}
