package io.cdflow.agent.capture;

import io.cdflow.agent.handoff.ThreadBuffer;
import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import io.cdflow.agent.wire.MutationEvent;
import java.util.Collection;
import org.apache.cassandra.db.DecoratedKey;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.db.partitions.PartitionUpdate;
import org.apache.cassandra.dht.Murmur3Partitioner;
import org.apache.cassandra.dht.Token;
import org.apache.cassandra.net.MessagingService;
import org.apache.cassandra.schema.TableMetadata;

/**
 * Turns one {@link Mutation} into one event per PartitionUpdate (i.e. per table it touches) and appends them to
 * the thread's buffer.
 *
 * <p>The caller has filled the event's per-write fields (time, kind, flags, node, identity, coordinator, ...);
 * this class sets keyspace, table, token, key, bytes and the counts, and clears the key reference when done.
 * {@code bytes} is the mutation's serialized size when it touches one table, else each table's data size.
 * Writes to counter tables are marked counter_write.
 */
final class MutationEmitter {
    private static final long U32_MAX = 0xFFFF_FFFFL;

    private MutationEmitter() {
    }

    /** Emits {@code mutation}'s events; returns the number emitted. */
    static int emit(CaptureRuntime rt, CaptureThreadState st, Mutation mutation) {
        MutationEvent e = st.event;
        FieldWriter ext = e.extension;
        int common = ext.length();
        DecoratedKey key = mutation.key();
        e.token = murmur3Token(key.getToken());
        e.setKey(key.getKey());
        try {
            Collection<PartitionUpdate> updates = mutation.getPartitionUpdates();
            boolean singleTable = updates.size() == 1;
            long mutationBytes = singleTable ? mutation.serializedSize(MessagingService.current_version) : 0;
            ThreadBuffer buffer = st.buffer(rt.buffers);
            int emitted = 0;
            for (PartitionUpdate update : updates) {
                ext.truncate(common);
                TableMetadata table = update.metadata();
                e.keyspace = rt.strings.idOf(table.keyspace);
                e.table = rt.strings.idOf(table.name);
                e.bytes = singleTable ? mutationBytes : update.dataSize();
                MutationFacts facts = st.facts.count(update);
                e.rows = clampU32(facts.rows);
                e.cells = clampU32(facts.cells);
                e.tombstones = clampU32(facts.tombstones);
                e.ttlCells = clampU32(facts.ttlCells);
                writeFacts(ext, facts);
                if (table.isCounter()) {
                    ext.bool(FieldIds.COUNTER_WRITE, true);
                }
                buffer.append(e);
                emitted++;
            }
            return emitted;
        } finally {
            e.key = null;
            ext.truncate(common);
        }
    }

    /** The per-table extension fields: tombstone breakdown, ttl_rows, write_timestamp. */
    static void writeFacts(FieldWriter ext, MutationFacts facts) {
        ext.i64(FieldIds.PARTITION_TOMBSTONES, facts.partitionTombstones);
        ext.i64(FieldIds.ROW_TOMBSTONES, facts.rowTombstones);
        ext.i64(FieldIds.RANGE_TOMBSTONES, facts.rangeTombstones);
        ext.i64(FieldIds.CELL_TOMBSTONES, facts.cellTombstones);
        ext.i64(FieldIds.TTL_ROWS, facts.ttlRows);
        if (facts.hasTimestamp()) {
            ext.i64(FieldIds.WRITE_TIMESTAMP, facts.maxTimestamp);
        }
    }

    /** The Murmur3 token as a long (the public field: 4.1 has no getLongValue()); 0 for other partitioners. */
    static long murmur3Token(Token token) {
        return token instanceof Murmur3Partitioner.LongToken ? ((Murmur3Partitioner.LongToken) token).token : 0L;
    }

    static long clampU32(long v) {
        return v < 0 ? 0 : Math.min(v, U32_MAX);
    }
}
