package io.cdflow.agent.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.CassandraFixture;
import io.cdflow.agent.testutil.DecodedEvent;
import io.cdflow.agent.testutil.DecodedFields;
import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.WireFormat;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.cassandra.cql3.QueryOptions;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.db.CounterMutation;
import org.apache.cassandra.dht.Murmur3Partitioner;
import org.apache.cassandra.locator.InetAddressAndPort;
import org.apache.cassandra.locator.Replica;
import org.apache.cassandra.net.Message;
import org.apache.cassandra.net.Verb;
import org.apache.cassandra.service.ClientState;
import org.apache.cassandra.service.QueryState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Counter capture with real CounterMutations and internode Messages. */
class CounterCaptureTest {
    static final String UPDATE = "UPDATE shop.hits SET n = n + 1 WHERE pk = 7";

    @BeforeAll
    static void cassandra() {
        CassandraFixture.init();
    }

    @AfterEach
    void uninstall() {
        CaptureRuntime.uninstall();
    }

    static CounterMutation counterMutation() {
        return (CounterMutation) CassandraFixture.rawMutations(UPDATE).get(0);
    }

    static boolean enterRequest() {
        ClientState cs = ClientState.forExternalCalls(new InetSocketAddress("10.0.0.9", 40000));
        QueryOptions options = QueryOptions.forInternalCalls(ConsistencyLevel.ONE, List.<ByteBuffer>of());
        return RequestContext.enter(CassandraFixture.prepare(UPDATE), new QueryState(cs), options);
    }

    @Test
    void forwardNamesTheLeaderAndTheMessage() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            CounterMutation cm = counterMutation();
            Message<CounterMutation> message = Message.builder(Verb.COUNTER_MUTATION_REQ, cm).withId(4711).build();
            InetAddressAndPort leader = InetAddressAndPort.getByName("127.0.0.2");
            Replica replica = Replica.fullReplica(leader, Murmur3Partitioner.MINIMUM, Murmur3Partitioner.MINIMUM);
            boolean request = enterRequest();
            CounterCapture.forwarded(message, replica);
            CounterCapture.forwarded(Message.builder(Verb.MUTATION_REQ, cm.getMutation()).withId(1).build(), replica);
            RequestContext.exit(request);
            var rows = h.tagged(WireFormat.TABLE_EVENTS, CounterCapture.FORWARD_KIND);
            assertEquals(1, rows.size(), "only COUNTER_MUTATION_REQ is a forward");
            DecodedFields f = rows.get(0).fields;
            assertEquals("127.0.0.2", h.text(f.str(FieldIds.COUNTER_LEADER)));
            assertEquals("127.0.0.1", h.text(f.str(FieldIds.COORDINATOR)));
            assertEquals(4711, f.i64(FieldIds.MESSAGE_ID));
            assertTrue(f.bool(FieldIds.COUNTER_WRITE));
            assertEquals("hits", h.text(f.str(FieldIds.TABLE)));
            assertEquals("anonymous", h.text(f.str(FieldIds.USER)));
            assertEquals("UPDATE", h.text(f.str(FieldIds.STATEMENT_TYPE)));
            assertEquals(ConsistencyLevel.QUORUM.code, f.i64(FieldIds.CONSISTENCY));
        }
    }

    @Test
    void leaderOnTheCoordinatorAdoptsTheClientIdentityForItsWrite() {
        try (CaptureHarness h = new CaptureHarness()) {
            CounterMutation cm = counterMutation();
            boolean request = enterRequest();
            CounterCapture.leaderIsCoordinator(cm);
            RequestContext.exit(request);
            // what CounterMutationStage then runs
            long started = CounterCapture.applyEnter(cm);
            ReplicaCapture.localApplied(cm.getMutation(), null);
            CounterCapture.applyExit(cm, null, started);
            assertFalse(CaptureThreadState.current().request.isActive(), "the adopted identity is released");
            assertEquals(0, CounterCapture.HANDOFF.size());

            DecodedFields leader = h.tagged(WireFormat.TABLE_EVENTS, CounterCapture.LEADER_KIND).get(0).fields;
            assertTrue(leader.bool(FieldIds.APPLIED_LOCALLY));
            assertEquals("10.0.0.9:40000", h.text(leader.str(FieldIds.CLIENT_ADDRESS)));
            assertEquals("127.0.0.1", h.text(leader.str(FieldIds.COUNTER_LEADER)));
            assertFalse(leader.has(FieldIds.MESSAGE_ID));
            DecodedEvent write = h.events().get(0);
            assertEquals(WireFormat.KIND_REPLICA_WRITE, write.kind);
            assertEquals("10.0.0.9:40000", h.text(write.clientAddress));
            assertTrue(write.extension.bool(FieldIds.COUNTER_WRITE));
        }
    }

    @Test
    void forwardedLeaderNamesItsCoordinatorAndMessage() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            CounterMutation cm = counterMutation();
            Message<CounterMutation> message = Message.builder(Verb.COUNTER_MUTATION_REQ, cm).withId(99).build();
            boolean handling = CounterCapture.messageEnter(message, InetAddressAndPort.getByName("127.0.0.3"));
            long started = CounterCapture.applyEnter(cm);
            CounterCapture.applyExit(cm, new RuntimeException("lock timeout"), started);
            CounterCapture.messageExit(handling);
            DecodedFields leader = h.tagged(WireFormat.TABLE_EVENTS, CounterCapture.LEADER_KIND).get(0).fields;
            assertEquals("127.0.0.3", h.text(leader.str(FieldIds.COORDINATOR)));
            assertEquals(99, leader.i64(FieldIds.MESSAGE_ID));
            assertFalse(leader.has(FieldIds.APPLIED_LOCALLY));
            assertFalse(leader.has(FieldIds.USER));
            assertEquals("RuntimeException", h.text(leader.str(FieldIds.ERROR)));
            assertEquals(0, h.runtime.captureErrors());
        }
    }

    /** The older hook point (CounterMutationVerbHandler.doVerb): the leader's coordinator is the message's sender. */
    @Test
    void forwardedLeaderThroughDoVerbNamesTheSender() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            CounterMutation cm = counterMutation();
            Message<CounterMutation> message = Message.builder(Verb.COUNTER_MUTATION_REQ, cm).withId(98)
                    .from(InetAddressAndPort.getByName("127.0.0.4")).build();
            boolean handling = CounterCapture.verbEnter(message);
            long started = CounterCapture.applyEnter(cm);
            CounterCapture.applyExit(cm, new RuntimeException("lock timeout"), started);
            CounterCapture.messageExit(handling);
            assertTrue(handling);
            DecodedFields leader = h.tagged(WireFormat.TABLE_EVENTS, CounterCapture.LEADER_KIND).get(0).fields;
            assertEquals("127.0.0.4", h.text(leader.str(FieldIds.COORDINATOR)));
            assertEquals(98, leader.i64(FieldIds.MESSAGE_ID));
            assertEquals(0, h.runtime.captureErrors());
        }
    }

    @Test
    void wrongArgumentsAreCountedNotThrown() {
        try (CaptureHarness h = new CaptureHarness()) {
            assertFalse(CounterCapture.verbEnter("not a message"));
            CounterCapture.leaderIsCoordinator("not a counter mutation"); // kept by identity only: no failure
            long started = CounterCapture.applyEnter("not a counter mutation");
            CounterCapture.applyExit("not a counter mutation", null, started);
            assertEquals(2, h.runtime.captureErrors());
            assertTrue(h.tagged().isEmpty());
            assertEquals(0, CaptureThreadState.current().counter.depth);
        }
    }
}
