package io.cdflow.agent.capture;

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
 *   <li>{@code tombstones}: partition deletion (0/1) + range tombstones + row deletions + cell tombstones +
 *       collection (complex) deletions;</li>
 *   <li>{@code ttlCells}: expiring cells + rows whose primary-key liveness info is expiring.</li>
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

    /** Replaces the counts with those of {@code update}. */
    public MutationFacts count(PartitionUpdate update) {
        rows = cells = tombstones = ttlCells = 0;
        if (!update.partitionLevelDeletion().isLive()) {
            tombstones++;
        }
        tombstones += update.deletionInfo().rangeCount();
        Row staticRow = update.staticRow();
        if (!staticRow.isEmpty()) {
            countRow(staticRow);
        }
        for (Row row : update) {
            countRow(row);
        }
        return this;
    }

    private void countRow(Row row) {
        rows++;
        if (!row.deletion().isLive()) {
            tombstones++;
        }
        if (row.primaryKeyLivenessInfo().isExpiring()) {
            ttlCells++;
        }
        row.accumulate(COLUMN, this, 0L);
    }

    private void countColumn(ColumnData cd) {
        if (cd instanceof Cell) {
            countCell((Cell<?>) cd);
        } else if (cd instanceof ComplexColumnData) {
            ComplexColumnData complex = (ComplexColumnData) cd;
            if (!complex.complexDeletion().isLive()) {
                tombstones++;
            }
            complex.accumulate(CELL, this, 0L);
        }
    }

    private void countCell(Cell<?> cell) {
        cells++;
        if (cell.isTombstone()) {
            tombstones++;
        } else if (cell.isExpiring()) {
            ttlCells++;
        }
    }
}
