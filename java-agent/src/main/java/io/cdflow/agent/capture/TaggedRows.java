package io.cdflow.agent.capture;

import io.cdflow.agent.wire.EventClock;
import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import io.cdflow.agent.wire.TaggedEvent;
import java.nio.ByteBuffer;
import java.util.function.Function;
import org.apache.cassandra.db.DecoratedKey;
import org.apache.cassandra.db.partitions.PartitionUpdate;

/** Building blocks shared by the captures that emit TAGGED_EVENT records. */
final class TaggedRows {
    static final Function<Class<?>, String> SIMPLE_NAME = Class::getSimpleName;

    private TaggedRows() {
    }

    /** Starts the thread's tagged record for {@code table} with event_time (now) and node. */
    static TaggedEvent start(CaptureRuntime rt, CaptureThreadState st, byte table) {
        TaggedEvent t = st.tagged.start(table);
        t.fields.i64(FieldIds.EVENT_TIME, EventClock.nowMicros());
        t.fields.strIfPresent(FieldIds.NODE, NodeAddress.nodeId(rt));
        return t;
    }

    /** Hands the thread's tagged record to its buffer. */
    static void emit(CaptureRuntime rt, CaptureThreadState st) {
        st.buffer(rt.buffers).append(st.tagged);
    }

    /** Token (14) and raw partition key (15) of {@code key}. */
    static void writeKey(FieldWriter f, DecoratedKey key) {
        f.i64(FieldIds.TOKEN, MutationEmitter.murmur3Token(key.getToken()));
        ByteBuffer k = key.getKey();
        f.bytes(FieldIds.PARTITION_KEY, k, k.position(), k.remaining());
    }

    /**
     * Who asked, for work this node coordinates and applies itself: the request's identity (when one is active on
     * this thread), coordinator = this node, applied_locally.
     */
    static void writeAppliedLocally(CaptureRuntime rt, CaptureThreadState st, FieldWriter f) {
        st.request.writeIdentity(f);
        f.strIfPresent(FieldIds.COORDINATOR, NodeAddress.nodeId(rt));
        f.bool(FieldIds.APPLIED_LOCALLY, true);
    }

    /** What one PartitionUpdate writes: bytes (its data size), the counts of {@link MutationFacts}, write_timestamp. */
    static void writeUpdate(FieldWriter f, MutationFacts scratch, PartitionUpdate update) {
        MutationFacts facts = scratch.count(update);
        f.i64(FieldIds.BYTES, update.dataSize());
        f.i64(FieldIds.ROWS, facts.rows);
        f.i64(FieldIds.CELLS, facts.cells);
        f.i64(FieldIds.TOMBSTONES, facts.tombstones);
        f.i64(FieldIds.TTL_CELLS, facts.ttlCells);
        MutationEmitter.writeFacts(f, facts);
    }

    /** Error (13): simple class name of {@code thrown}, if any. */
    static void writeError(CaptureRuntime rt, FieldWriter f, Throwable thrown) {
        if (thrown != null) {
            f.strIfPresent(FieldIds.ERROR, rt.strings.idOf(thrown.getClass(), SIMPLE_NAME));
        }
    }
}
