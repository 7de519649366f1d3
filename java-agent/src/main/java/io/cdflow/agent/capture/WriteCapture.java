package io.cdflow.agent.capture;

import io.cdflow.agent.wire.EventClock;
import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import io.cdflow.agent.wire.MutationEvent;
import io.cdflow.agent.wire.WireFormat;
import java.util.Collection;
import java.util.List;
import java.util.RandomAccess;
import java.util.function.Function;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.db.CounterMutation;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.locator.Replica;
import org.apache.cassandra.locator.ReplicaPlan;
import org.apache.cassandra.net.Message;

/**
 * Coordinator writes: {@code StorageProxy.mutateWithTriggers}, {@code mutate} and {@code mutateAtomically}.
 *
 * <p>These nest (mutateWithTriggers calls one of the others), so a per-thread depth counts hooked calls and only
 * the outermost one emits, at its exit, one {@code coordinator_write} per mutation per table, with the latency of
 * the whole call, the consistency level of its argument and, when it threw, the exception's simple class name
 * (flag bit 1). {@code sendToHintedReplicas} entries inside that call record how many replicas each mutation was
 * sent to (a mutation sent twice, e.g. by cheap-quorum retries, adds up). Extension fields: batch (inside a
 * client batch, see {@link BatchCapture}), session, trace session, per mutation out_message_id (the id of the one
 * MUTATION_REQ sent to its remote replicas, recorded by {@link #messageSent}, which also hands it to the local
 * replica apply through {@link LocalFanouts}) and coordinator_generation, then per table the tombstone breakdown,
 * ttl_rows and write_timestamp. Never throws into Cassandra.
 */
public final class WriteCapture {
    private static final Function<Class<?>, String> SIMPLE_NAME = Class::getSimpleName;
    private static final int MAX_REPLICAS = 0xFFFF;

    private WriteCapture() {
    }

    /**
     * The outermost hooked StorageProxy write call on this thread. Holds the mutations it contacted replicas for and
     * the one whose local replica it applies (Cassandra objects) until that call's exit ({@link #exit}).
     */
    static final class Frame {
        /** Nesting depth of hooked StorageProxy write methods. */
        int depth;
        /** System.nanoTime() at entry of the outermost one. */
        long startNanos;
        /** Replicas contacted per mutation during the outermost call. */
        final ReplicaContacts contacts = new ReplicaContacts();
        /**
         * The mutation whose {@code sendToHintedReplicas} runs on this thread and will apply it on this node, until
         * the message for its remote replicas is built (or the outermost exit).
         */
        Object localReplicaMutation;

        /** Drops what the outermost call recorded. */
        void clear() {
            contacts.clear();
            localReplicaMutation = null;
        }
    }

    /**
     * Entry of a hooked StorageProxy write method.
     *
     * @return whether this call was counted (pass it to {@link #exit})
     */
    public static boolean enter() {
        if (CaptureRuntime.active() == null) {
            return false;
        }
        Frame f = CaptureThreadState.current().write;
        if (f.depth++ <= 0) {
            f.depth = 1;
            f.startNanos = System.nanoTime();
        }
        return true;
    }

    /** Whether {@code plan} applies the mutation on this node (a live contact that is this node). */
    private static boolean hasLiveSelf(ReplicaPlan.ForWrite plan) {
        for (Replica r : plan.contacts()) {
            if (r.isSelf()) {
                return plan.isAlive(r);
            }
        }
        return false;
    }

    /** Entry of {@code sendToHintedReplicas(Mutation, ReplicaPlan.ForWrite, ...)}. */
    public static void replicasContacted(Object mutation, Object plan) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            Frame f = CaptureThreadState.current().write;
            if (f.depth > 0) {
                ReplicaPlan.ForWrite forWrite = (ReplicaPlan.ForWrite) plan;
                f.contacts.record(mutation, forWrite.contacts().size());
                f.localReplicaMutation = hasLiveSelf(forWrite) ? mutation : null;
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /**
     * Exit of {@code Message.outWithFlags(...)} (the MUTATION_REQ {@code sendToHintedReplicas} builds before it
     * applies the local replica) and entry of {@code MessagingService.sendWriteWithCallback(Message, Replica,
     * handler)}: the id of the message that carries a mutation of the running coordinator call to its remote
     * replicas (or to a remote DC's forwarder).
     */
    public static void messageSent(Object message) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            Frame f = CaptureThreadState.current().write;
            Message<?> m = (Message<?>) message;
            if (f.depth > 0 && m.payload instanceof Mutation) {
                f.contacts.recordMessage(m.payload, m.id());
                if (m.payload == f.localReplicaMutation) {
                    f.localReplicaMutation = null;
                    LocalFanouts.put(m.payload, m.id());
                }
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /**
     * Exit of a hooked StorageProxy write method (normal or exceptional).
     *
     * @param mutations the call's first argument (a collection of IMutation)
     * @param consistency the call's second argument (a ConsistencyLevel)
     * @param thrown what the call threw, or null
     * @param entered what {@link #enter()} returned
     */
    public static void exit(Object mutations, Object consistency, Throwable thrown, boolean entered) {
        if (!entered) {
            return;
        }
        long endNanos = System.nanoTime();
        CaptureThreadState st = CaptureThreadState.current();
        Frame f = st.write;
        if (--f.depth > 0) {
            return;
        }
        f.depth = 0;
        CaptureRuntime rt = CaptureRuntime.active();
        try {
            if (rt != null && mutations instanceof Collection) {
                emitAll(rt, st, f, (Collection<?>) mutations, consistency, thrown, endNanos);
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        } finally {
            f.clear();
        }
    }

    private static void emitAll(CaptureRuntime rt, CaptureThreadState st, Frame f, Collection<?> mutations,
                                Object consistency, Throwable thrown, long endNanos) {
        MutationEvent e = st.event.clear();
        e.eventTimeMicros = EventClock.microsAt(endNanos);
        e.kind = WireFormat.KIND_COORDINATOR_WRITE;
        e.consistency = consistency instanceof ConsistencyLevel
                ? ((ConsistencyLevel) consistency).code : WireFormat.CONSISTENCY_UNKNOWN;
        e.flags = thrown == null ? 0 : WireFormat.FLAG_FAILED;
        e.error = thrown == null ? WireFormat.NO_STRING : rt.strings.idOf(thrown.getClass(), SIMPLE_NAME);
        e.latencyMicros = (endNanos - f.startNanos) / 1000;
        e.messageId = -1;
        st.request.copyIdentityTo(e);
        if (st.batch.active()) {
            BatchCapture.writeFields(st.batch, mutations, e.extension);
        }
        st.request.writeSession(e.extension);
        TraceSession.write(e.extension);
        int index = 0;
        if (mutations instanceof List && mutations instanceof RandomAccess) {
            List<?> list = (List<?>) mutations;
            for (int n = list.size(); index < n; index++) {
                emitOne(rt, st, f.contacts, list.get(index), index);
            }
        } else {
            for (Object m : mutations) {
                emitOne(rt, st, f.contacts, m, index++);
            }
        }
    }

    private static void emitOne(CaptureRuntime rt, CaptureThreadState st, ReplicaContacts contacts, Object item,
                                int index) {
        Mutation mutation = item instanceof Mutation ? (Mutation) item
                : item instanceof CounterMutation ? ((CounterMutation) item).getMutation() : null;
        if (mutation == null || rt.skipsKeyspace(mutation.getKeyspaceName())) {
            return;
        }
        MutationEvent e = st.event;
        e.node = NodeAddress.nodeId(rt);
        e.coordinator = e.node;
        e.replicas = Math.min(MAX_REPLICAS, contacts.countFor(mutation, index));
        FieldWriter ext = e.extension;
        int common = ext.length();
        long messageId = contacts.messageIdFor(mutation, index);
        if (messageId >= 0) {
            ext.i64(FieldIds.OUT_MESSAGE_ID, messageId);
        }
        Generations.write(ext, Generations.own());
        MutationEmitter.emit(rt, st, mutation);
        ext.truncate(common);
    }
}
