package io.cdflow.agent.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.cdflow.agent.testutil.CassandraFixture;
import io.cdflow.agent.testutil.DecodedEvent;
import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.WireFormat;
import java.util.List;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.locator.InetAddressAndPort;
import org.apache.cassandra.net.Message;
import org.apache.cassandra.net.Verb;
import org.junit.jupiter.api.Test;

/**
 * The id of the MUTATION_REQ a coordinator builds reaches its coordinator_write row (out_message_id) and the local
 * replica applied on another thread, in the order {@code sendToHintedReplicas} runs: message built, local apply
 * handed to a stage, sends, then the outermost exit.
 */
class FanoutIdsTest {
    @Test
    void coordinatorAndLocalReplicaCarryTheMessageId() throws InterruptedException {
        try (CaptureHarness h = new CaptureHarness()) {
            Mutation m = CassandraFixture.mutation(WriteCaptureTest.INSERT);
            Message<Mutation> message = Message.builder(Verb.MUTATION_REQ, m).withId(73).build();
            boolean entered = WriteCapture.enter();
            // sendToHintedReplicas entry found this node among the live contacts (replicasContacted)
            CaptureThreadState.current().write.localReplicaMutation = m;
            WriteCapture.messageSent(message);       // Message.outWithFlags exit
            WriteCapture.messageSent(message);       // sendWriteWithCallback, one per remote replica: same id
            WriteCapture.messageSent(message);
            Thread stage = new Thread(() -> ReplicaCapture.localApplied(m, null)); // a MutationStage thread
            stage.start();
            stage.join();
            WriteCapture.exit(List.of(m), ConsistencyLevel.QUORUM, null, entered);
            List<DecodedEvent> events = h.events();
            assertEquals(2, events.size());
            DecodedEvent local = events.get(0);
            DecodedEvent coordinator = events.get(1);
            assertEquals(WireFormat.KIND_REPLICA_WRITE, local.kind);
            assertEquals(73, local.extension.i64(FieldIds.OUT_MESSAGE_ID));
            assertEquals(-1, local.messageId, "message_id stays the id a remote replica received");
            assertEquals(WireFormat.KIND_COORDINATOR_WRITE, coordinator.kind);
            assertEquals(73, coordinator.extension.i64(FieldIds.OUT_MESSAGE_ID));
            assertFalse(coordinator.extension.has(FieldIds.COORDINATOR_GENERATION), "no gossip in a unit test");
        }
    }

    @Test
    void messagesOutsideACoordinatorCallAndLocalAppliesWithoutOneCarryNoId() {
        try (CaptureHarness h = new CaptureHarness()) {
            Mutation m = CassandraFixture.mutation(WriteCaptureTest.INSERT);
            WriteCapture.messageSent(Message.builder(Verb.MUTATION_REQ, m).withId(5).build());
            ReplicaCapture.localApplied(m, null);
            ReplicaCapture.localApplied(m, null);
            for (DecodedEvent e : h.events()) {
                assertFalse(e.extension.has(FieldIds.OUT_MESSAGE_ID));
            }
            assertEquals(0, h.runtime.captureErrors());
        }
    }

    @Test
    void aRelayedWriteNamesItsRelayAndKeepsTheCoordinatorsId() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            Mutation m = CassandraFixture.mutation(WriteCaptureTest.INSERT);
            InetAddressAndPort coordinator = InetAddressAndPort.getByName("127.0.0.2");
            InetAddressAndPort relay = InetAddressAndPort.getByName("127.0.0.3");
            // what MutationVerbHandler.forwardToLocalNodes sends: the coordinator's id, from the relay
            Message<Mutation> forwarded = Message.builder(Verb.MUTATION_REQ, m).withId(73).from(relay).build();
            ReplicaCapture.remoteApplied(forwarded, coordinator, null);
            Message<Mutation> direct = Message.builder(Verb.MUTATION_REQ, m).withId(74).from(coordinator).build();
            ReplicaCapture.remoteApplied(direct, coordinator, null);
            List<DecodedEvent> events = h.events();
            assertEquals(73, events.get(0).messageId);
            assertEquals("127.0.0.2", h.text(events.get(0).coordinator));
            assertEquals("127.0.0.3", h.text(events.get(0).extension.str(FieldIds.FORWARDED_BY)));
            assertFalse(events.get(1).extension.has(FieldIds.FORWARDED_BY));
        }
    }
}
