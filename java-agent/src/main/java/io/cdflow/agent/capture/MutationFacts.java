package io.cdflow.agent.capture;

import org.apache.cassandra.db.LivenessInfo;
import org.apache.cassandra.db.partitions.PartitionUpdate;
import org.apache.cassandra.db.rows.Cell;
import org.apache.cassandra.db.rows.ColumnData;
import org.apache.cassandra.db.rows.ComplexColumnData;
import org.apache.cassandra.db.rows.Row;
import org.apache.cassandra.utils.BiLongAccumulator;

/**
 * Counts what one {@link PartitionUpdate} writes, into reusable fields (one instance per thread).
 *
 * <ul>
 *   <li>{@code rows}: rows in the update, the static row included when it is not empty;</li>
 *   <li>{@code cells}: cells of every row, tombstone cells included (a collection counts its cells);</li>
 *   <li>{@code partitionTombstones}: 1 when the update deletes the whole partition;</li>
 *   <li>{@code rangeTombstones}: range tombstones (DELETE with a clustering range);</li>
 *   <li>{@code rowTombstones}: rows carrying a row deletion (DELETE of a row);</li>
 *   <li>{@code cellTombstones}: tombstone cells (DELETE of a column, a null binding) plus collection (complex)
 *       deletions (a collection overwritten or deleted as a whole);</li>
 *   <li>{@code tombstones}: the sum of the four above;</li>
 *   <li>{@code ttlRows}: rows whose primary-key liveness info is expiring (INSERT ... USING TTL, default TTL);</li>
 *   <li>{@code ttlCells}: expiring cells + {@code ttlRows} (an expiring row marker counts as a TTL'd cell);</li>
 *   <li>{@code maxTimestamp}: the update's largest timestamp, {@link Long#MIN_VALUE} if it has none. Same as
 *       {@code PartitionUpdate.maxTimestamp()} (partition and range deletions, row liveness, cells, complex
 *       deletions) except that row deletions count too, so a row DELETE has its write timestamp.</li>
 * </ul>
 *
 * Rows are walked with the partition's iterator, columns with {@code accumulate} and static accumulators, so no
 * per-column object is created. Reads the update only; never calls {@code toString()}.
 */
public final class MutationFacts {
    private static final BiLongAccumulator<MutationFacts, ColumnData> COLUMN = (facts, cd, v) -> {
        facts.countColumn(cd);
        return v;
    };
    private static final BiLongAccumulator<MutationFacts, Cell<?>> CELL = (facts, cell, v) -> {
        facts.countCell(cell);
        return v;
    };

    public long rows;
    public long cells;
    public long tombstones;
    public long ttlCells;
    public long partitionTombstones;
    public long rowTombstones;
    public long rangeTombstones;
    public long cellTombstones;
    public long ttlRows;
    public long maxTimestamp;

    /** Replaces the counts with those of {@code update}. */
    public MutationFacts count(PartitionUpdate update) {
        rows = cells = ttlCells = 0;
        partitionTombstones = rowTombstones = rangeTombstones = cellTombstones = ttlRows = 0;
        maxTimestamp = update.deletionInfo().maxTimestamp();
        if (!update.partitionLevelDeletion().isLive()) {
            partitionTombstones = 1;
        }
        rangeTombstones = update.deletionInfo().rangeCount();
        Row staticRow = update.staticRow();
        if (!staticRow.isEmpty()) {
            countRow(staticRow);
        }
        for (Row row : update) {
            countRow(row);
        }
        tombstones = partitionTombstones + rowTombstones + rangeTombstones + cellTombstones;
        ttlCells += ttlRows;
        return this;
    }

    /** Whether {@link #maxTimestamp} is a real timestamp. */
    public boolean hasTimestamp() {
        return maxTimestamp != LivenessInfo.NO_TIMESTAMP;
    }

    private void countRow(Row row) {
        rows++;
        if (!row.deletion().isLive()) {
            rowTombstones++;
            maxTimestamp = Math.max(maxTimestamp, row.deletion().time().markedForDeleteAt());
        }
        LivenessInfo liveness = row.primaryKeyLivenessInfo();
        maxTimestamp = Math.max(maxTimestamp, liveness.timestamp());
        if (liveness.isExpiring()) {
            ttlRows++;
        }
        row.accumulate(COLUMN, this, 0L);
    }

    private void countColumn(ColumnData cd) {
        if (cd instanceof Cell) {
            countCell((Cell<?>) cd);
        } else if (cd instanceof ComplexColumnData) {
            ComplexColumnData complex = (ComplexColumnData) cd;
            if (!complex.complexDeletion().isLive()) {
                cellTombstones++;
                maxTimestamp = Math.max(maxTimestamp, complex.complexDeletion().markedForDeleteAt());
            }
            complex.accumulate(CELL, this, 0L);
        }
    }

    private void countCell(Cell<?> cell) {
        cells++;
        maxTimestamp = Math.max(maxTimestamp, cell.timestamp());
        if (cell.isTombstone()) {
            cellTombstones++;
        } else if (cell.isExpiring()) {
            ttlCells++;
        }
    }
}
