package io.cdflow.agent.capture;

import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import io.cdflow.agent.wire.WireFormat;
import java.lang.ref.WeakReference;
import java.util.Collection;
import org.apache.cassandra.db.memtable.Memtable;
import org.apache.cassandra.io.sstable.format.SSTableReader;
import org.apache.cassandra.schema.TableMetadata;
import org.apache.cassandra.utils.TimeUUID;

/**
 * Flush lineage: one {@code flushes} row per flushed memtable and one {@code sstables} row (created, origin
 * flush) per SSTable it wrote.
 *
 * <ul>
 *   <li>{@link #switchEnter}/{@link #switchExit}: {@code ColumnFamilyStore.switchMemtable(FlushReason)}, where every
 *       flush with a reason starts (on the requesting thread, under the table's lock): the reason for the thread.</li>
 *   <li>{@link #memtableSwitched}: exit of {@code Tracker.switchMemtable(boolean truncating, Memtable)} inside it
 *       (the table and each of its index tables): the returned, now flushing, memtable gets the reason and a new
 *       flush id (a time UUID), kept in a small registry of weak references.</li>
 *   <li>{@link #flushed}: entry of {@code Tracker.replaceFlushed(Memtable, Collection<SSTableReader>)}, after the
 *       SSTables are written (MemtableFlushWriter thread): the rows. A clean memtable or a truncation writes no
 *       SSTable and gives no row; a memtable not seen switching (e.g. a truncation) gets a fresh flush id and no
 *       reason.</li>
 * </ul>
 * System keyspaces are skipped unless include_system_keyspaces. Never throws into Cassandra.
 */
public final class FlushCapture {
    static final String ORIGIN = "flush";

    private FlushCapture() {
    }

    /** The {@code switchMemtable} running on this thread: its FlushReason, held only until that call's exit. */
    static final class Frame {
        /** The FlushReason (null outside the call). */
        Object reason;
    }

    /** Entry of {@code ColumnFamilyStore.switchMemtable(reason)}. */
    public static boolean switchEnter(Object reason) {
        if (CaptureRuntime.active() == null) {
            return false;
        }
        Frame f = CaptureThreadState.current().flush;
        if (f.reason != null) {
            return false;
        }
        f.reason = reason;
        return true;
    }

    /** Exit of the same call. */
    public static void switchExit(boolean entered) {
        if (entered) {
            CaptureThreadState.current().flush.reason = null;
        }
    }

    /** Exit of {@code Tracker.switchMemtable(truncating, newMemtable)}; {@code previous} is what it returned. */
    public static void memtableSwitched(boolean truncating, Object previous) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null || truncating || previous == null) {
            return;
        }
        try {
            Object reason = CaptureThreadState.current().flush.reason;
            TimeUUID id = TimeUUID.Generator.nextTimeUUID();
            PENDING.put(previous, reason instanceof Enum ? ((Enum<?>) reason).name() : null, id.msb(), id.lsb());
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /** Entry of {@code Tracker.replaceFlushed(memtable, sstables)}. */
    public static void flushed(Object memtableObject, Object sstablesObject) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            Pending p = PENDING.take(memtableObject);
            @SuppressWarnings("unchecked")
            Collection<SSTableReader> sstables = (Collection<SSTableReader>) sstablesObject;
            if (sstables == null || sstables.isEmpty()) {
                return;
            }
            Memtable memtable = (Memtable) memtableObject;
            TableMetadata table = memtable.metadata();
            if (rt.skipsKeyspace(table.keyspace)) {
                return;
            }
            long msb;
            long lsb;
            if (p != null) {
                msb = p.msb;
                lsb = p.lsb;
            } else {
                TimeUUID id = TimeUUID.Generator.nextTimeUUID();
                msb = id.msb();
                lsb = id.lsb();
            }
            CaptureThreadState st = CaptureThreadState.current();
            int keyspace = rt.strings.idOf(table.keyspace);
            int tableId = rt.strings.idOf(table.name);
            FieldWriter f = TaggedRows.start(rt, st, WireFormat.TABLE_FLUSHES).fields;
            f.strIfPresent(FieldIds.KEYSPACE, keyspace);
            f.strIfPresent(FieldIds.TABLE, tableId);
            f.uuid(FieldIds.FLUSH_ID, msb, lsb);
            if (p != null && p.reason != null) {
                f.strIfPresent(FieldIds.FLUSH_REASON, rt.strings.idOf(p.reason));
            }
            f.i64(FieldIds.PARTITIONS, memtable.partitionCount());
            f.i64(FieldIds.OPERATIONS, memtable.operationCount());
            f.i64(FieldIds.MEMTABLE_BYTES, memtable.getLiveDataSize());
            f.textList(FieldIds.OUTPUT_SSTABLES, SSTableRows.ids(sstables));
            f.i64(FieldIds.BYTES_OUT, SSTableRows.totalSize(sstables));
            TaggedRows.emit(rt, st);
            SSTableRows.emit(rt, st, keyspace, tableId, sstables, SSTableRows.CREATED, ORIGIN, msb, lsb);
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    static final PendingFlushes PENDING = new PendingFlushes();

    /** What a switched memtable carries until it is flushed. */
    static final class Pending {
        final WeakReference<Object> memtable;
        final String reason;
        final long msb;
        final long lsb;

        Pending(Object memtable, String reason, long msb, long lsb) {
            this.memtable = new WeakReference<>(memtable);
            this.reason = reason;
            this.msb = msb;
            this.lsb = lsb;
        }
    }

    /**
     * Memtables switched and not yet flushed, by identity, weakly held and bounded (flushes in flight are few; a
     * memtable whose flush failed is forgotten once collected or pushed out).
     */
    static final class PendingFlushes {
        static final int CAPACITY = 1024;
        private final Pending[] entries = new Pending[CAPACITY];
        private int next;

        synchronized void put(Object memtable, String reason, long msb, long lsb) {
            int free = -1;
            for (int i = 0; i < CAPACITY; i++) {
                Pending e = entries[i];
                if (e == null || e.memtable.get() == null) {
                    entries[i] = null;
                    if (free < 0) {
                        free = i;
                    }
                } else if (e.memtable.get() == memtable) {
                    entries[i] = new Pending(memtable, reason, msb, lsb);
                    return;
                }
            }
            if (free < 0) {
                free = next;
                next = (next + 1) % CAPACITY;
            }
            entries[free] = new Pending(memtable, reason, msb, lsb);
        }

        synchronized Pending take(Object memtable) {
            for (int i = 0; i < CAPACITY; i++) {
                Pending e = entries[i];
                if (e != null && e.memtable.get() == memtable) {
                    entries[i] = null;
                    return e;
                }
            }
            return null;
        }

        synchronized int size() {
            int n = 0;
            for (Pending e : entries) {
                if (e != null && e.memtable.get() != null) {
                    n++;
                }
            }
            return n;
        }

        synchronized void clear() {
            java.util.Arrays.fill(entries, null);
        }
    }
}
