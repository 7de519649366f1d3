package io.cdflow.agent.capture;

import io.cdflow.agent.wire.EventClock;
import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.MutationEvent;
import io.cdflow.agent.wire.WireFormat;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.locator.InetAddressAndPort;
import org.apache.cassandra.net.Message;
import org.apache.cassandra.utils.MonotonicClock;

/**
 * Replica writes, one {@code replica_write} per mutation per table.
 *
 * <ul>
 *   <li>{@link #remoteApplied}: exit of {@code MutationVerbHandler.applyMutation(Message, InetAddressAndPort)}, a
 *       mutation sent by another coordinator (or forwarded): coordinator = the respond-to address, message id,
 *       the coordinator's gossip generation, forwarded_by = the sender when it is not the coordinator (a remote
 *       DC's relay), latency = now - the message's creation time (-1 if negative), no client identity.</li>
 *   <li>{@link #localApplied}: exit of {@code Mutation.apply()}, the local replica of this node's own coordinator
 *       path ({@code sendToHintedReplicas} runs {@code mutation::apply}): flag bit 0, coordinator = this node, no
 *       message id, this node's gossip generation, identity of the request on this thread if any, and
 *       out_message_id: the id of the message the same {@code sendToHintedReplicas} built for the remote replicas
 *       (handed over by {@link LocalFanouts}; absent when there were none).</li>
 * </ul>
 * The two never see the same write: MutationVerbHandler applies through {@code applyFuture()}, not {@code apply()}.
 * Extension fields: session (local, with a request), trace session, the per-table facts of {@link MutationEmitter}.
 * Calls that threw emit nothing (the write was not applied). Never throws into Cassandra.
 */
public final class ReplicaCapture {
    private ReplicaCapture() {
    }

    /**
     * Entry of {@code MutationVerbHandler.doVerb(message)} on releases without {@code applyMutation} (4.1.0 to
     * 4.1.6): whether the handler will apply it, by the same test it makes first (a message past its expiry is
     * dropped, and returns normally). The clock only moves forward, so a message dropped by the handler is never
     * counted; one that expires between this test and the handler's own (nanoseconds) would be.
     */
    public static boolean remoteVerbEnter(Object message) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return false;
        }
        try {
            return MonotonicClock.Global.approxTime.now() <= ((Message<?>) message).expiresAtNanos();
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
            return false;
        }
    }

    /** Exit of {@code MutationVerbHandler.doVerb(message)} (4.1.0 to 4.1.6): {@link #remoteApplied} when it applied. */
    public static void remoteVerbExit(Object message, Throwable thrown, boolean applies) {
        if (!applies) {
            return;
        }
        try {
            remoteApplied(message, ((Message<?>) message).respondTo(), thrown);
        } catch (Throwable t) {
            CaptureRuntime.failed(CaptureRuntime.active(), t);
        }
    }

    /** Exit of {@code MutationVerbHandler.applyMutation(message, respondTo)}. */
    public static void remoteApplied(Object message, Object respondTo, Throwable thrown) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null || thrown != null) {
            return;
        }
        try {
            Message<?> msg = (Message<?>) message;
            if (!(msg.payload instanceof Mutation)) {
                return;
            }
            Mutation mutation = (Mutation) msg.payload;
            if (rt.skipsKeyspace(mutation.getKeyspaceName())) {
                return;
            }
            CaptureThreadState st = CaptureThreadState.current();
            long latency = (System.nanoTime() - msg.createdAtNanos()) / 1000;
            MutationEvent e = st.event.clear();
            e.eventTimeMicros = EventClock.nowMicros();
            e.kind = WireFormat.KIND_REPLICA_WRITE;
            e.node = NodeAddress.nodeId(rt);
            InetAddressAndPort coordinator = (InetAddressAndPort) respondTo;
            e.coordinator = NodeAddress.addressId(rt, coordinator);
            e.messageId = msg.id();
            e.latencyMicros = latency < 0 ? -1 : latency;
            TraceSession.write(e.extension);
            Generations.write(e.extension, Generations.of(coordinator));
            InetAddressAndPort from = msg.from();
            if (from != null && !from.equals(coordinator)) {
                e.extension.strIfPresent(FieldIds.FORWARDED_BY, NodeAddress.addressId(rt, from));
            }
            MutationEmitter.emit(rt, st, mutation);
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /** Exit of {@code Mutation.apply()}. */
    public static void localApplied(Object mutationObject, Throwable thrown) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null || thrown != null) {
            return;
        }
        try {
            Mutation mutation = (Mutation) mutationObject;
            if (rt.skipsKeyspace(mutation.getKeyspaceName())) {
                return;
            }
            CaptureThreadState st = CaptureThreadState.current();
            MutationEvent e = st.event.clear();
            e.eventTimeMicros = EventClock.nowMicros();
            e.kind = WireFormat.KIND_REPLICA_WRITE;
            e.flags = WireFormat.FLAG_APPLIED_LOCALLY;
            e.node = NodeAddress.nodeId(rt);
            e.coordinator = e.node;
            st.request.copyIdentityTo(e);
            st.request.writeSession(e.extension);
            TraceSession.write(e.extension);
            Generations.write(e.extension, Generations.own());
            long messageId = LocalFanouts.take(mutation);
            if (messageId >= 0) {
                e.extension.i64(FieldIds.OUT_MESSAGE_ID, messageId);
            }
            MutationEmitter.emit(rt, st, mutation);
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }
}
