package io.cdflow.agent.capture;

import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import io.cdflow.agent.wire.WireFormat;
import java.util.Collection;
import java.util.UUID;
import org.apache.cassandra.db.DecoratedKey;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.db.TypeSizes;
import org.apache.cassandra.db.partitions.PartitionUpdate;
import org.apache.cassandra.hints.Hint;
import org.apache.cassandra.locator.InetAddressAndPort;
import org.apache.cassandra.net.Message;
import org.apache.cassandra.net.MessagingService;
import org.apache.cassandra.schema.TableMetadata;
import org.apache.cassandra.service.StorageService;

/**
 * Hinted handoff, one tagged {@code events} row per hint per target per table.
 *
 * <ul>
 *   <li>{@code hint_write} on the node that stores a hint: {@link #created} (exit of {@code Hint.create(Mutation,
 *       long)}) keeps the new hint, its mutation and creation time on the thread; {@link #written} (entry of
 *       {@code HintsService.write(Collection, Hint)}, called right after on the same thread by the coordinator's
 *       {@code HintRunnable} and by batchlog replay) emits a row per target host: hint_target, hint_creation_time,
 *       hint_bytes, coordinator = this node. Re-addressed hints (a receiver storing a hint it got for another host)
 *       were created elsewhere and are not reported here.</li>
 *   <li>{@code hint_replay} on the node the hint was for: {@link #receiveEnter}/{@link #receiveExit}
 *       ({@code HintVerbHandler.doVerb}) keep the sender; {@link #applied} (entry of {@code Hint.applyFuture()},
 *       with the hint's package-private fields read by the advice) emits the row: coordinator = the sender (the node
 *       that stored the hint), hint_target = this node, hint_creation_time; error = {@code HintExpired} when the
 *       hint outlived its TTL (Cassandra then skips it).</li>
 * </ul>
 * Both rows carry keyspace, table, token, key, write_timestamp and the counts of the mutation, which join a replay to
 * its hint_write and to the original coordinator_write (the hint keeps the content and the creation time, not the
 * original message). Never throws into Cassandra.
 */
public final class HintCapture {
    static final String WRITE_KIND = "hint_write";
    static final String REPLAY_KIND = "hint_replay";
    static final String EXPIRED = "HintExpired";

    private HintCapture() {
    }

    /**
     * Hints on this thread: the one the last {@code Hint.create} returned, with its mutation and creation time (ms),
     * until the {@code HintsService.write} that follows it ({@link #written}; a create without a write keeps one
     * hint referenced until the thread's next create); the sender of the hint whose {@code HintVerbHandler.doVerb}
     * runs, until that call's exit ({@link #receiveExit}).
     */
    static final class Frame {
        Object created;
        Object mutation;
        long creationTime;
        /** Null outside {@code HintVerbHandler.doVerb}. */
        Object sender;
    }

    /** Exit of {@code Hint.create(mutation, creationTime)}. */
    public static void created(Object hint, Object mutation, long creationTime) {
        if (CaptureRuntime.active() == null) {
            return;
        }
        Frame f = CaptureThreadState.current().hint;
        f.created = hint;
        f.mutation = mutation;
        f.creationTime = creationTime;
    }

    /** Entry of {@code HintsService.write(hostIds, hint)}. */
    public static void written(Object hostIds, Object hint) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        CaptureThreadState st = CaptureThreadState.current();
        Frame frame = st.hint;
        Object mutation = frame.mutation;
        boolean ours = hint != null && frame.created == hint;
        frame.created = null;
        frame.mutation = null;
        if (!ours) {
            return;
        }
        try {
            Mutation m = (Mutation) mutation;
            if (rt.skipsKeyspace(m.getKeyspaceName())) {
                return;
            }
            long bytes = hintBytes(m);
            int self = NodeAddress.nodeId(rt);
            int generation = Generations.own();
            for (Object hostId : (Collection<?>) hostIds) {
                InetAddressAndPort target = StorageService.instance.getEndpointForHostId((UUID) hostId);
                int targetId = target == null ? WireFormat.NO_STRING : NodeAddress.addressId(rt, target);
                emit(rt, st, WRITE_KIND, m, self, generation, targetId, frame.creationTime, bytes, false);
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /**
     * What {@code Hint.serializer.serializedSize} returns for a hint made by {@code Hint.create(mutation, time)}
     * (its class is not public): creation time, gcgs (the mutation's smallest gc_grace_seconds), the mutation.
     */
    static long hintBytes(Mutation mutation) {
        return TypeSizes.LONG_SIZE + TypeSizes.sizeofUnsignedVInt(mutation.smallestGCGS())
                + mutation.serializedSize(MessagingService.current_version);
    }

    /** Entry of {@code HintVerbHandler.doVerb(message)}: remembers the sender. */
    public static boolean receiveEnter(Object message) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return false;
        }
        try {
            CaptureThreadState.current().hint.sender = ((Message<?>) message).from();
            return true;
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
            return false;
        }
    }

    /** Exit of {@code HintVerbHandler.doVerb} (normal or exceptional). */
    public static void receiveExit(boolean entered) {
        if (entered) {
            CaptureThreadState.current().hint.sender = null;
        }
    }

    /** Entry of {@code Hint.applyFuture()} with the hint's {@code mutation} and {@code creationTime} fields. */
    public static void applied(Object hint, Object mutation, long creationTime) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            CaptureThreadState st = CaptureThreadState.current();
            Mutation m = (Mutation) mutation;
            if (rt.skipsKeyspace(m.getKeyspaceName())) {
                return;
            }
            InetAddressAndPort sender = (InetAddressAndPort) st.hint.sender;
            int senderId = sender == null ? WireFormat.NO_STRING : NodeAddress.addressId(rt, sender);
            int self = NodeAddress.nodeId(rt);
            boolean expired = !((Hint) hint).isLive();
            emit(rt, st, REPLAY_KIND, m, senderId, Generations.of(sender), self, creationTime, -1, expired);
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    private static void emit(CaptureRuntime rt, CaptureThreadState st, String kind, Mutation mutation,
                             int coordinator, int generation, int target, long creationTime, long hintBytes,
                             boolean expired) {
        DecoratedKey key = mutation.key();
        for (PartitionUpdate update : mutation.getPartitionUpdates()) {
            TableMetadata table = update.metadata();
            FieldWriter f = TaggedRows.start(rt, st, WireFormat.TABLE_EVENTS).fields;
            f.strIfPresent(FieldIds.KIND, rt.strings.idOf(kind));
            f.strIfPresent(FieldIds.KEYSPACE, rt.strings.idOf(table.keyspace));
            f.strIfPresent(FieldIds.TABLE, rt.strings.idOf(table.name));
            TaggedRows.writeKey(f, key);
            f.strIfPresent(FieldIds.COORDINATOR, coordinator);
            Generations.write(f, generation);
            f.strIfPresent(FieldIds.HINT_TARGET, target);
            f.i64(FieldIds.HINT_CREATION_TIME, creationTime);
            if (hintBytes >= 0) {
                f.i64(FieldIds.HINT_BYTES, hintBytes);
            }
            if (expired) {
                f.strIfPresent(FieldIds.ERROR, rt.strings.idOf(EXPIRED));
            }
            TaggedRows.writeUpdate(f, st.facts, update);
            TaggedRows.emit(rt, st);
        }
    }
}
