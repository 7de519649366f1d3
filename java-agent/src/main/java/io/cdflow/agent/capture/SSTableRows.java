package io.cdflow.agent.capture;

import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import io.cdflow.agent.wire.WireFormat;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.cassandra.io.sstable.format.SSTableReader;
import org.apache.cassandra.io.sstable.metadata.StatsMetadata;
import org.apache.cassandra.utils.streamhist.TombstoneHistogram;

/**
 * SSTable facts shared by flush and compaction lineage, and the {@code sstables} rows (one per SSTable change).
 *
 * <ul>
 *   <li>id: {@code descriptor.id.toString()}, as in the file names ("3", or the base-36 UUID form);</li>
 *   <li>size: {@code onDiskLength()}, the Data.db size on disk (the unit of compaction_history bytes_in/out);</li>
 *   <li>rows: {@code getTotalRows()} (from the SSTable's statistics);</li>
 *   <li>tombstone estimate: all points of {@code StatsMetadata.estimatedTombstoneDropTime}, Cassandra's histogram
 *       of local deletion times (row, range and cell tombstones, and expiring cells: approximate);</li>
 *   <li>level: {@code getSSTableLevel()}.</li>
 * </ul>
 * Cold path (flushes and compactions): allocation is fine here. Never throws out of {@link #tombstoneEstimate}.
 */
final class SSTableRows {
    static final String CREATED = "created";
    static final String REMOVED = "removed";

    private SSTableRows() {
    }

    static String id(SSTableReader reader) {
        return reader.descriptor.id.toString();
    }

    static List<String> ids(Collection<? extends SSTableReader> readers) {
        List<String> ids = new ArrayList<>(readers.size());
        for (SSTableReader r : readers) {
            ids.add(id(r));
        }
        return ids;
    }

    static long totalSize(Collection<? extends SSTableReader> readers) {
        long total = 0;
        for (SSTableReader r : readers) {
            total += r.onDiskLength();
        }
        return total;
    }

    static long totalTombstoneEstimate(Collection<? extends SSTableReader> readers) {
        long total = 0;
        for (SSTableReader r : readers) {
            total += tombstoneEstimate(r);
        }
        return total;
    }

    /** Points in the SSTable's tombstone drop-time histogram (0 when it has none or cannot be read). */
    static long tombstoneEstimate(SSTableReader reader) {
        try {
            StatsMetadata stats = reader.getSSTableMetadata();
            TombstoneHistogram h = stats == null ? null : stats.estimatedTombstoneDropTime;
            if (h == null) {
                return 0;
            }
            // sum over (-inf, +inf]: no lambda for HistogramDataConsumer, whose consume() takes (int, int) on 4.1
            // and (long, int) on 5.0
            return Math.round(h.sum(Double.MAX_VALUE));
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }

    /**
     * Emits one {@code sstables} row per reader: {@code change} (created/removed) by {@code origin} (flush,
     * compaction) identified by {@code originId} (a UUID as two longs).
     */
    static void emit(CaptureRuntime rt, CaptureThreadState st, int keyspace, int table,
                     Collection<? extends SSTableReader> readers, String change, String origin,
                     long originMsb, long originLsb) {
        int changeId = rt.strings.idOf(change);
        int originId = rt.strings.idOf(origin);
        for (SSTableReader r : readers) {
            FieldWriter f = TaggedRows.start(rt, st, WireFormat.TABLE_SSTABLES).fields;
            f.strIfPresent(FieldIds.KEYSPACE, keyspace);
            f.strIfPresent(FieldIds.TABLE, table);
            f.text(FieldIds.SSTABLE_ID, id(r));
            f.strIfPresent(FieldIds.CHANGE, changeId);
            f.strIfPresent(FieldIds.ORIGIN, originId);
            f.uuid(FieldIds.ORIGIN_ID, originMsb, originLsb);
            f.i64(FieldIds.SIZE_BYTES, r.onDiskLength());
            f.i64(FieldIds.ROWS, r.getTotalRows());
            f.i64(FieldIds.TOMBSTONE_ESTIMATE, tombstoneEstimate(r));
            f.i64(FieldIds.LEVEL, r.getSSTableLevel());
            TaggedRows.emit(rt, st);
        }
    }
}
