package io.cdflow.agent.capture;

import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import java.util.Collection;
import java.util.List;
import java.util.RandomAccess;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.cassandra.db.CounterMutation;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.db.partitions.PartitionUpdate;
import org.apache.cassandra.utils.TimeUUID;

/**
 * Client batches: {@code batch_id}, {@code batch_partitions}, {@code batch_tables} on the coordinator_write events
 * of a batch.
 *
 * <ul>
 *   <li>{@link #enter}/{@link #exit}: {@code BatchStatement.execute(QueryState, BatchQueryOptions, RequestTime)},
 *       the entry of every batch (protocol BATCH messages and {@code BEGIN BATCH} strings). The outermost call
 *       gets a random (version 4) UUID.</li>
 *   <li>{@link #batchlogWritten}: {@code StorageProxy.syncWriteToBatchlog(..., TimeUUID, ...)} inside a batch, i.e.
 *       a logged multi-partition batch: the id becomes Cassandra's batchlog UUID (the batch's id in
 *       {@code system.batches}). Outside a batch (a view or trigger write going through the batchlog) it is
 *       ignored: batch_id stays NULL outside client batches.</li>
 *   <li>{@link #writeFields}: called by the coordinator capture for the mutations of the StorageProxy call of the
 *       batch (all of the batch's mutations): {@code batch_partitions} = its (table, partition) pairs, i.e. the
 *       number of coordinator_write rows it gives; {@code batch_tables} = distinct tables.</li>
 * </ul>
 * Everything runs synchronously on the request thread. Never throws into Cassandra.
 */
public final class BatchCapture {
    private BatchCapture() {
    }

    /**
     * The client batch running on this thread: its depth and id (two longs), and the scratch set counting its tables,
     * emptied before {@link #writeFields} returns. Holds no Cassandra object between hook calls.
     */
    static final class Frame {
        /** Nesting depth of {@code BatchStatement.execute}. */
        int depth;
        /** The running batch's id (a UUID, as two longs). */
        long msb;
        long lsb;
        /** Scratch for counting a batch's distinct tables. */
        final TableSet tables = new TableSet();

        /** Whether a client batch runs on this thread. */
        boolean active() {
            return depth > 0;
        }
    }

    /** Entry of {@code BatchStatement.execute(QueryState, BatchQueryOptions, RequestTime)}. */
    public static boolean enter() {
        if (CaptureRuntime.active() == null) {
            return false;
        }
        Frame b = CaptureThreadState.current().batch;
        if (b.depth++ <= 0) {
            b.depth = 1;
            ThreadLocalRandom r = ThreadLocalRandom.current();
            b.msb = (r.nextLong() & ~0xF000L) | 0x4000L;
            b.lsb = (r.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        }
        return true;
    }

    /** Exit of the same call (normal or exceptional). */
    public static void exit(boolean entered) {
        if (entered) {
            Frame b = CaptureThreadState.current().batch;
            if (--b.depth <= 0) {
                b.depth = 0;
                b.msb = b.lsb = 0;
            }
        }
    }

    /** Entry of {@code StorageProxy.syncWriteToBatchlog(mutations, plan, uuid, requestTime)}. */
    public static void batchlogWritten(Object uuid) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null || !(uuid instanceof TimeUUID)) {
            return;
        }
        try {
            CaptureThreadState st = CaptureThreadState.current();
            BatchlogCapture.writing(st, uuid);
            Frame b = st.batch;
            if (b.active()) {
                TimeUUID id = (TimeUUID) uuid;
                b.msb = id.msb();
                b.lsb = id.lsb();
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /**
     * Writes fields 32, 33, 34 for the batch {@code b} whose mutations are {@code mutations} (a collection of
     * IMutation).
     */
    static void writeFields(Frame b, Collection<?> mutations, FieldWriter f) {
        f.uuid(FieldIds.BATCH_ID, b.msb, b.lsb);
        TableSet tables = b.tables;
        long partitions = 0;
        try {
            if (mutations instanceof List && mutations instanceof RandomAccess) {
                List<?> list = (List<?>) mutations;
                for (int i = 0, n = list.size(); i < n; i++) {
                    partitions += count(list.get(i), tables);
                }
            } else {
                for (Object m : mutations) {
                    partitions += count(m, tables);
                }
            }
            f.i64(FieldIds.BATCH_PARTITIONS, partitions);
            f.i64(FieldIds.BATCH_TABLES, tables.size());
        } finally {
            tables.clear();
        }
    }

    private static int count(Object item, TableSet tables) {
        Mutation m = item instanceof Mutation ? (Mutation) item
                : item instanceof CounterMutation ? ((CounterMutation) item).getMutation() : null;
        if (m == null) {
            return 0;
        }
        int n = 0;
        for (PartitionUpdate u : m.getPartitionUpdates()) {
            tables.add(u.metadata().id);
            n++;
        }
        return n;
    }

    /** A small reusable set (equals-based, linear; batches rarely span more than a few tables). */
    static final class TableSet {
        private static final int MAX = 4096;
        private Object[] items = new Object[8];
        private int size;

        void add(Object o) {
            for (int i = 0; i < size; i++) {
                if (items[i].equals(o)) {
                    return;
                }
            }
            if (size == items.length) {
                if (size >= MAX) {
                    return;
                }
                items = java.util.Arrays.copyOf(items, size * 2);
            }
            items[size++] = o;
        }

        int size() {
            return size;
        }

        void clear() {
            java.util.Arrays.fill(items, 0, size, null);
            size = 0;
        }
    }
}
