package io.cdflow.agent.capture;

import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import io.cdflow.agent.wire.WireFormat;
import org.apache.cassandra.db.CounterMutation;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.db.partitions.PartitionUpdate;
import org.apache.cassandra.locator.InetAddressAndPort;
import org.apache.cassandra.locator.Replica;
import org.apache.cassandra.net.Message;
import org.apache.cassandra.net.Verb;
import org.apache.cassandra.schema.TableMetadata;

/**
 * Counter writes: the coordinator's forward to the leader replica and the leader's read-modify-write.
 *
 * <ul>
 *   <li>{@link #forwarded}: entry of {@code MessagingService.sendWriteWithCallback(message, replica, handler)}
 *       with a COUNTER_MUTATION_REQ (only {@code StorageProxy.mutateCounter} sends one, on the request thread):
 *       one {@code counter_forward} row per table with counter_leader and message_id.</li>
 *   <li>{@link #leaderIsCoordinator}: entry of {@code StorageProxy.applyCounterMutationOnCoordinator(cm, ...)}:
 *       this node leads; the work runs on CounterMutationStage, so the request's identity is handed over,
 *       keyed by the CounterMutation's identity.</li>
 *   <li>{@link #messageEnter}/{@link #messageExit}: {@code CounterMutationVerbHandler.applyMutation(message,
 *       respondTo)}: the leader of a forwarded write (sender and message id; the whole leader work runs inside,
 *       synchronously).</li>
 *   <li>{@link #applyEnter}/{@link #applyExit}: {@code CounterMutation.applyCounterMutation()}, the leader's
 *       locked read-before-write: one {@code counter_leader_apply} row per table. Inside it, the leader writes the
 *       resulting Mutation with {@code Mutation.apply()}: that {@code replica_write} row carries the client's
 *       identity (adopted from the hand-off when this node coordinates). Every write row of a counter table is
 *       marked counter_write (see {@link MutationEmitter}), including the leader's fan-out to other replicas.</li>
 * </ul>
 * IMutation lists are never cast blindly. Never throws into Cassandra.
 */
public final class CounterCapture {
    static final String FORWARD_KIND = "counter_forward";
    static final String LEADER_KIND = "counter_leader_apply";
    static final IdentityHandoff<RequestSnapshot> HANDOFF = new IdentityHandoff<>(4096);

    private CounterCapture() {
    }

    /** Entry of {@code MessagingService.sendWriteWithCallback(message, replica, handler)}. */
    public static void forwarded(Object message, Object replica) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            Message<?> m = (Message<?>) message;
            if (m.verb() != Verb.COUNTER_MUTATION_REQ || !(m.payload instanceof CounterMutation)) {
                return;
            }
            CounterMutation cm = (CounterMutation) m.payload;
            Mutation mutation = cm.getMutation();
            if (rt.skipsKeyspace(mutation.getKeyspaceName())) {
                return;
            }
            CaptureThreadState st = CaptureThreadState.current();
            int leader = replica instanceof Replica ? NodeAddress.addressId(rt, ((Replica) replica).endpoint()) : 0;
            for (PartitionUpdate update : mutation.getPartitionUpdates()) {
                FieldWriter f = start(rt, st, FORWARD_KIND, cm, update.metadata());
                st.request.writeIdentityAndStatement(f);
                f.strIfPresent(FieldIds.COORDINATOR, NodeAddress.nodeId(rt));
                f.strIfPresent(FieldIds.COUNTER_LEADER, leader);
                f.i64(FieldIds.MESSAGE_ID, m.id());
                TraceSession.write(f);
                TaggedRows.emit(rt, st);
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /** Entry of {@code StorageProxy.applyCounterMutationOnCoordinator(cm, localDataCenter, requestTime)}. */
    public static void leaderIsCoordinator(Object cm) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null || cm == null) {
            return;
        }
        try {
            HANDOFF.put(cm, RequestSnapshot.of(CaptureThreadState.current().request));
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /**
     * Entry of {@code CounterMutationVerbHandler.doVerb(message)} on releases without {@code applyMutation} (4.1.0 to
     * 4.1.6): the same frame as {@link #messageEnter}, with the message's own respond-to address (what 4.1.7+ passes
     * to {@code applyMutation}).
     */
    public static boolean verbEnter(Object message) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return false;
        }
        try {
            return messageEnter(message, ((Message<?>) message).respondTo());
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
            return false;
        }
    }

    /** Entry of {@code CounterMutationVerbHandler.applyMutation(message, respondTo)}. */
    public static boolean messageEnter(Object message, Object respondTo) {
        if (CaptureRuntime.active() == null) {
            return false;
        }
        Frame f = CaptureThreadState.current().counter;
        if (f.message != null) {
            return false;
        }
        f.message = message;
        f.respondTo = respondTo;
        return true;
    }

    /** Exit of the same call (normal or exceptional). */
    public static void messageExit(boolean entered) {
        if (entered) {
            CaptureThreadState.current().counter.messageDone();
        }
    }

    /**
     * Entry of {@code CounterMutation.applyCounterMutation()}.
     *
     * @return System.nanoTime(), or -1 when not counted (pass it to {@link #applyExit})
     */
    public static long applyEnter(Object cm) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return -1;
        }
        try {
            CaptureThreadState st = CaptureThreadState.current();
            Frame f = st.counter;
            if (f.depth > 0) {
                f.depth++;
                return -1;
            }
            RequestSnapshot handed = HANDOFF.take(cm);
            f.local = handed != null;
            f.adopted = handed != null && handed.adoptInto(st.request);
            f.depth = 1;
            return System.nanoTime();
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
            return -1;
        }
    }

    /** Exit of {@code CounterMutation.applyCounterMutation()} (normal or exceptional). */
    public static void applyExit(Object cmObject, Throwable thrown, long startNanos) {
        CaptureThreadState st = CaptureThreadState.current();
        Frame frame = st.counter;
        if (startNanos == -1) {
            if (frame.depth > 1) {
                frame.depth--;
            }
            return;
        }
        frame.depth = 0;
        CaptureRuntime rt = CaptureRuntime.active();
        try {
            if (rt != null) {
                emitLeader(rt, st, frame, (CounterMutation) cmObject, thrown, (System.nanoTime() - startNanos) / 1000);
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        } finally {
            frame.applyDone();
        }
    }

    private static void emitLeader(CaptureRuntime rt, CaptureThreadState st, Frame frame, CounterMutation cm,
                                   Throwable thrown, long latencyMicros) {
        Mutation mutation = cm.getMutation();
        if (rt.skipsKeyspace(mutation.getKeyspaceName())) {
            return;
        }
        Message<?> message = frame.message instanceof Message && ((Message<?>) frame.message).payload == cm
                ? (Message<?>) frame.message : null;
        for (PartitionUpdate update : mutation.getPartitionUpdates()) {
            FieldWriter f = start(rt, st, LEADER_KIND, cm, update.metadata());
            st.request.writeIdentityAndStatement(f);
            if (message != null) {
                f.strIfPresent(FieldIds.COORDINATOR, NodeAddress.addressId(rt, (InetAddressAndPort) frame.respondTo));
                f.i64(FieldIds.MESSAGE_ID, message.id());
            } else if (frame.local) {
                f.strIfPresent(FieldIds.COORDINATOR, NodeAddress.nodeId(rt));
                f.bool(FieldIds.APPLIED_LOCALLY, true);
            }
            f.strIfPresent(FieldIds.COUNTER_LEADER, NodeAddress.nodeId(rt));
            f.i64(FieldIds.LATENCY_US, latencyMicros);
            TaggedRows.writeError(rt, f, thrown);
            TraceSession.write(f);
            TaggedRows.emit(rt, st);
        }
    }

    /** Starts a row of {@code kind} for one table of {@code cm}: keyspace, table, key, consistency, counter_write. */
    private static FieldWriter start(CaptureRuntime rt, CaptureThreadState st, String kind, CounterMutation cm,
                                     TableMetadata table) {
        FieldWriter f = TaggedRows.start(rt, st, WireFormat.TABLE_EVENTS).fields;
        f.strIfPresent(FieldIds.KIND, rt.strings.idOf(kind));
        f.strIfPresent(FieldIds.KEYSPACE, rt.strings.idOf(table.keyspace));
        f.strIfPresent(FieldIds.TABLE, rt.strings.idOf(table.name));
        TaggedRows.writeKey(f, cm.key());
        f.i64(FieldIds.CONSISTENCY, cm.consistency().code);
        f.bool(FieldIds.COUNTER_WRITE, true);
        return f;
    }

    /**
     * Counter leader work on this thread: the COUNTER_MUTATION_REQ being handled and its respond-to address
     * (Cassandra objects), held only until the verb handler's exit ({@link #messageExit}); the identity adopted for
     * the leader's apply, released at that apply's exit ({@link #applyExit}).
     */
    static final class Frame {
        /** The COUNTER_MUTATION_REQ being handled (null outside the verb handler) and its respond-to address. */
        Object message;
        Object respondTo;
        /** Nesting depth of {@code applyCounterMutation}. */
        int depth;
        /** This node coordinates the write it leads. */
        boolean local;
        /** The request identity was adopted from the coordinator's thread (release at exit). */
        boolean adopted;

        void messageDone() {
            message = null;
            respondTo = null;
        }

        /** End of the outermost apply: releases the adopted identity. */
        void applyDone() {
            if (adopted) {
                RequestContext.exit(true);
            }
            adopted = false;
            local = false;
        }
    }
}
