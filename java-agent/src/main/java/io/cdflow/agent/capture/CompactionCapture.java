package io.cdflow.agent.capture;

import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import io.cdflow.agent.wire.WireFormat;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.cassandra.db.ColumnFamilyStore;
import org.apache.cassandra.db.lifecycle.LifecycleTransaction;
import org.apache.cassandra.io.sstable.format.SSTableReader;
import org.apache.cassandra.utils.TimeUUID;

/**
 * Compaction lineage: one {@code compactions} row per completed compaction task and one {@code sstables} row per
 * SSTable it removed (its inputs, fully expired ones included) and created (origin compaction, origin_id =
 * compaction_id).
 *
 * <ul>
 *   <li>{@link #taskEnter}/{@link #taskExit}: {@code CompactionTask.runMayThrow()} (also for its subclasses:
 *       leveled, time window, unified, splitting tasks; none overrides it), on a CompactionExecutor thread: the
 *       frame, with the task's {@code transaction}, {@code cfs} and {@code compactionType}; duration.</li>
 *   <li>{@link #historyUpdated}: {@code CompactionTask.updateCompactionHistory(TimeUUID, ks, table, long[]
 *       mergedRowCounts, long startSize, long endSize, Map)}, called once by a completed online task: bytes_in,
 *       bytes_out exactly as in {@code system.compaction_history} (same id), partitions_out = Σ c[i],
 *       partitions_in = Σ (i + 1)·c[i].</li>
 *   <li>{@link #logged}: {@code CompactionLogger.compaction(long, Collection input, long, Collection output)},
 *       called right after with the transaction's originals and the new SSTables (whether or not the compaction
 *       log is enabled).</li>
 * </ul>
 * Rows are emitted at the task's exit, only when it returned normally after recording its history (an offline,
 * failed or empty task emits nothing). System keyspaces are skipped unless include_system_keyspaces. Never throws
 * into Cassandra.
 */
public final class CompactionCapture {
    static final String ORIGIN = "compaction";

    private CompactionCapture() {
    }

    /**
     * The compaction task running on this thread (created on first use: compaction threads only): its SSTable
     * readers (Cassandra objects) held only until the task's exit ({@link #taskExit}).
     */
    static final class Frame {
        boolean active;
        boolean skip;
        long startNanos;
        long msb;
        long lsb;
        int keyspace;
        int table;
        int operationType;
        int strategy;
        boolean history;
        long bytesIn;
        long bytesOut;
        long partitionsIn;
        long partitionsOut;
        List<SSTableReader> inputs;
        List<SSTableReader> outputs;

        void clear() {
            active = skip = history = false;
            inputs = outputs = null;
        }
    }

    /** Entry of {@code CompactionTask.runMayThrow()}. */
    public static boolean taskEnter(Object transaction, Object cfsObject, Object compactionType) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return false;
        }
        try {
            CaptureThreadState st = CaptureThreadState.current();
            Frame frame = st.compaction;
            if (frame == null) {
                frame = st.compaction = new Frame();
            }
            if (frame.active || !(transaction instanceof LifecycleTransaction)) {
                return false;
            }
            LifecycleTransaction txn = (LifecycleTransaction) transaction;
            if (txn.originals().isEmpty()) {
                return false;
            }
            ColumnFamilyStore cfs = (ColumnFamilyStore) cfsObject;
            frame.clear();
            frame.active = true;
            frame.startNanos = System.nanoTime();
            TimeUUID id = txn.opId();
            frame.msb = id.msb();
            frame.lsb = id.lsb();
            String keyspace = cfs.metadata().keyspace; // 4.1 has no getKeyspaceName()
            frame.skip = rt.skipsKeyspace(keyspace);
            frame.keyspace = rt.strings.idOf(keyspace);
            frame.table = rt.strings.idOf(cfs.getTableName());
            frame.operationType = compactionType instanceof Enum ? rt.strings.idOf(((Enum<?>) compactionType).name()) : 0;
            frame.strategy = rt.strings.idOf(cfs.metadata().params.compaction.klass().getSimpleName());
            frame.inputs = new ArrayList<>(txn.originals());
            return true;
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
            return false;
        }
    }

    /** Entry of {@code CompactionTask.updateCompactionHistory(taskId, ks, table, merged, startSize, endSize, props)}. */
    public static void historyUpdated(Object taskId, Object mergedRowCounts, long startSize, long endSize) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            Frame frame = CaptureThreadState.current().compaction;
            if (frame == null || !frame.active || !(taskId instanceof TimeUUID)) {
                return;
            }
            TimeUUID id = (TimeUUID) taskId;
            if (id.msb() != frame.msb || id.lsb() != frame.lsb) {
                return;
            }
            frame.history = true;
            frame.bytesIn = startSize;
            frame.bytesOut = endSize;
            long in = 0;
            long out = 0;
            if (mergedRowCounts instanceof long[]) {
                long[] counts = (long[]) mergedRowCounts;
                for (int i = 0; i < counts.length; i++) {
                    out += counts[i];
                    in += (i + 1) * counts[i];
                }
            }
            frame.partitionsIn = in;
            frame.partitionsOut = out;
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /** Entry of {@code CompactionLogger.compaction(startTime, input, endTime, output)}. */
    @SuppressWarnings("unchecked")
    public static void logged(Object input, Object output) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            Frame frame = CaptureThreadState.current().compaction;
            if (frame == null || !frame.active) {
                return;
            }
            if (input instanceof Collection) {
                frame.inputs = new ArrayList<>((Collection<SSTableReader>) input);
            }
            if (output instanceof Collection) {
                frame.outputs = new ArrayList<>((Collection<SSTableReader>) output);
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /** Exit of {@code CompactionTask.runMayThrow()} (normal or exceptional). */
    public static void taskExit(Throwable thrown, boolean entered) {
        if (!entered) {
            return;
        }
        CaptureThreadState st = CaptureThreadState.current();
        Frame frame = st.compaction;
        CaptureRuntime rt = CaptureRuntime.active();
        try {
            if (rt != null && frame != null && frame.active && thrown == null && frame.history && !frame.skip) {
                emit(rt, st, frame, (System.nanoTime() - frame.startNanos) / 1000);
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        } finally {
            if (frame != null) {
                frame.clear();
            }
        }
    }

    private static void emit(CaptureRuntime rt, CaptureThreadState st, Frame frame, long durationMicros) {
        List<SSTableReader> inputs = frame.inputs == null ? List.of() : frame.inputs;
        List<SSTableReader> outputs = frame.outputs == null ? List.of() : frame.outputs;
        FieldWriter f = TaggedRows.start(rt, st, WireFormat.TABLE_COMPACTIONS).fields;
        f.strIfPresent(FieldIds.KEYSPACE, frame.keyspace);
        f.strIfPresent(FieldIds.TABLE, frame.table);
        f.uuid(FieldIds.COMPACTION_ID, frame.msb, frame.lsb);
        f.strIfPresent(FieldIds.OPERATION_TYPE, frame.operationType);
        f.strIfPresent(FieldIds.STRATEGY, frame.strategy);
        f.textList(FieldIds.INPUT_SSTABLES, SSTableRows.ids(inputs));
        f.textList(FieldIds.OUTPUT_SSTABLES, SSTableRows.ids(outputs));
        f.i64(FieldIds.BYTES_IN, frame.bytesIn);
        f.i64(FieldIds.BYTES_OUT, frame.bytesOut);
        f.i64(FieldIds.PARTITIONS_IN, frame.partitionsIn);
        f.i64(FieldIds.PARTITIONS_OUT, frame.partitionsOut);
        f.i64(FieldIds.TOMBSTONES_IN_ESTIMATE, SSTableRows.totalTombstoneEstimate(inputs));
        f.i64(FieldIds.TOMBSTONES_OUT_ESTIMATE, SSTableRows.totalTombstoneEstimate(outputs));
        f.i64(FieldIds.DURATION_US, durationMicros);
        TaggedRows.emit(rt, st);
        SSTableRows.emit(rt, st, frame.keyspace, frame.table, inputs, SSTableRows.REMOVED, ORIGIN, frame.msb, frame.lsb);
        SSTableRows.emit(rt, st, frame.keyspace, frame.table, outputs, SSTableRows.CREATED, ORIGIN, frame.msb, frame.lsb);
    }
}
