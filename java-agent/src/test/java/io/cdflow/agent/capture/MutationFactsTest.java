package io.cdflow.agent.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.CassandraFixture;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.db.partitions.PartitionUpdate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Counts from real Mutations, built by Cassandra 5.0.9 from real CQL statements. */
class MutationFactsTest {
    @BeforeAll
    static void cassandra() {
        CassandraFixture.init();
    }

    /** rows, cells, tombstones, ttl_cells of the single PartitionUpdate of {@code cql}'s single mutation. */
    static long[] counts(String cql) {
        Mutation m = CassandraFixture.mutation(cql);
        assertEquals(1, m.getPartitionUpdates().size());
        PartitionUpdate u = m.getPartitionUpdates().iterator().next();
        MutationFacts f = new MutationFacts().count(u);
        return new long[] {f.rows, f.cells, f.tombstones, f.ttlCells};
    }

    static void assertCounts(String cql, long rows, long cells, long tombstones, long ttlCells) {
        long[] c = counts(cql);
        assertEquals(rows, c[0], "rows of " + cql);
        assertEquals(cells, c[1], "cells of " + cql);
        assertEquals(tombstones, c[2], "tombstones of " + cql);
        assertEquals(ttlCells, c[3], "ttl_cells of " + cql);
    }

    @Test
    void oneRowInsert() {
        assertCounts("INSERT INTO shop.orders (pk, ck, v, w) VALUES (1, 1, 'a', 2)", 1, 2, 0, 0);
    }

    @Test
    void tenRowsInOnePartition() {
        StringBuilder cql = new StringBuilder("BEGIN UNLOGGED BATCH ");
        for (int i = 0; i < 10; i++) {
            cql.append("INSERT INTO shop.orders (pk, ck, v) VALUES (7, ").append(i).append(", 'x'); ");
        }
        cql.append("APPLY BATCH");
        assertCounts(cql.toString(), 10, 10, 0, 0);
    }

    @Test
    void rowDelete() {
        assertCounts("DELETE FROM shop.orders WHERE pk = 1 AND ck = 1", 1, 0, 1, 0);
    }

    @Test
    void partitionDelete() {
        assertCounts("DELETE FROM shop.orders WHERE pk = 1", 0, 0, 1, 0);
    }

    @Test
    void rangeDelete() {
        assertCounts("DELETE FROM shop.orders WHERE pk = 1 AND ck > 1 AND ck < 5", 0, 0, 1, 0);
    }

    @Test
    void cellDeleteByNullBinding() {
        assertCounts("INSERT INTO shop.orders (pk, ck, v, w) VALUES (1, 1, null, 3)", 1, 2, 1, 0);
    }

    @Test
    void cellDeleteByDeleteColumn() {
        assertCounts("DELETE v FROM shop.orders WHERE pk = 1 AND ck = 1", 1, 1, 1, 0);
    }

    @Test
    void ttlCellsAndExpiringRowMarker() {
        // two expiring cells plus the expiring primary key liveness info of the INSERT
        assertCounts("INSERT INTO shop.orders (pk, ck, v, w) VALUES (1, 1, 'a', 2) USING TTL 3600", 1, 2, 0, 3);
    }

    @Test
    void ttlUpdateHasNoRowMarker() {
        assertCounts("UPDATE shop.orders USING TTL 60 SET v = 'a' WHERE pk = 1 AND ck = 1", 1, 1, 0, 1);
    }

    @Test
    void staticRowCountsAsARow() {
        assertCounts("INSERT INTO shop.orders (pk, ck, s, v) VALUES (1, 1, 'st', 'a')", 2, 2, 0, 0);
        assertCounts("UPDATE shop.orders SET s = 'st' WHERE pk = 1", 1, 1, 0, 0);
    }

    @Test
    void collectionOverwriteIsAComplexDeletionPlusItsCells() {
        assertCounts("UPDATE shop.orders SET tags = {'a', 'b', 'c'} WHERE pk = 1 AND ck = 1", 1, 3, 1, 0);
        assertCounts("UPDATE shop.orders SET tags = tags + {'d'} WHERE pk = 1 AND ck = 1", 1, 1, 0, 0);
        assertCounts("DELETE tags FROM shop.orders WHERE pk = 1 AND ck = 1", 1, 0, 1, 0);
    }

    @Test
    void countersAreCells() {
        Mutation m = CassandraFixture.mutation("UPDATE shop.hits SET n = n + 1 WHERE pk = 1");
        MutationFacts f = new MutationFacts().count(m.getPartitionUpdates().iterator().next());
        assertEquals(1, f.rows);
        assertEquals(1, f.cells);
        assertEquals(0, f.tombstones);
    }

    /** partition, row, range, cell tombstones, ttl_rows of {@code cql}'s single update. */
    static void assertBreakdown(String cql, long partition, long row, long range, long cell, long ttlRows) {
        Mutation m = CassandraFixture.mutation(cql);
        MutationFacts f = new MutationFacts().count(m.getPartitionUpdates().iterator().next());
        assertEquals(partition, f.partitionTombstones, "partition tombstones of " + cql);
        assertEquals(row, f.rowTombstones, "row tombstones of " + cql);
        assertEquals(range, f.rangeTombstones, "range tombstones of " + cql);
        assertEquals(cell, f.cellTombstones, "cell tombstones of " + cql);
        assertEquals(ttlRows, f.ttlRows, "ttl_rows of " + cql);
        assertEquals(partition + row + range + cell, f.tombstones, "tombstones is the sum, " + cql);
    }

    @Test
    void tombstoneBreakdown() {
        assertBreakdown("DELETE FROM shop.orders WHERE pk = 1", 1, 0, 0, 0, 0);
        assertBreakdown("DELETE FROM shop.orders WHERE pk = 1 AND ck = 1", 0, 1, 0, 0, 0);
        assertBreakdown("DELETE FROM shop.orders WHERE pk = 1 AND ck > 1 AND ck < 5", 0, 0, 1, 0, 0);
        assertBreakdown("DELETE FROM shop.orders WHERE pk = 1 AND ck >= 1", 0, 0, 1, 0, 0);
        assertBreakdown("DELETE v, w FROM shop.orders WHERE pk = 1 AND ck = 1", 0, 0, 0, 2, 0);
        assertBreakdown("INSERT INTO shop.orders (pk, ck, v, w) VALUES (1, 1, null, null)", 0, 0, 0, 2, 0);
        assertBreakdown("DELETE tags FROM shop.orders WHERE pk = 1 AND ck = 1", 0, 0, 0, 1, 0);
        assertBreakdown("UPDATE shop.orders SET tags = {'a'} WHERE pk = 1 AND ck = 1", 0, 0, 0, 1, 0);
        assertBreakdown("UPDATE shop.orders SET tags = tags - {'a'} WHERE pk = 1 AND ck = 1", 0, 0, 0, 1, 0);
        assertBreakdown("DELETE s FROM shop.orders WHERE pk = 1", 0, 0, 0, 1, 0);
        assertBreakdown("INSERT INTO shop.orders (pk, ck, v) VALUES (1, 1, 'a')", 0, 0, 0, 0, 0);
    }

    @Test
    void mixedBatchBreakdownAddsUp() {
        assertBreakdown("BEGIN UNLOGGED BATCH "
                + "DELETE FROM shop.orders WHERE pk = 3 AND ck = 1; "
                + "DELETE FROM shop.orders WHERE pk = 3 AND ck = 2; "
                + "DELETE FROM shop.orders WHERE pk = 3 AND ck > 10 AND ck < 20; "
                + "DELETE v FROM shop.orders WHERE pk = 3 AND ck = 5; "
                + "INSERT INTO shop.orders (pk, ck, v) VALUES (3, 6, 'x') USING TTL 60; "
                + "INSERT INTO shop.orders (pk, ck, v) VALUES (3, 7, 'y') USING TTL 60; "
                + "APPLY BATCH", 0, 2, 1, 1, 2);
    }

    @Test
    void ttlRowsAreRowsWithAnExpiringPrimaryKeyLiveness() {
        assertBreakdown("INSERT INTO shop.orders (pk, ck, v, w) VALUES (1, 1, 'a', 2) USING TTL 3600", 0, 0, 0, 0, 1);
        // an UPDATE has no row marker: its TTL is on the cells only
        assertBreakdown("UPDATE shop.orders USING TTL 60 SET v = 'a' WHERE pk = 1 AND ck = 1", 0, 0, 0, 0, 0);
        // ttl_cells keeps its meaning: expiring cells plus expiring row markers
        assertCounts("INSERT INTO shop.orders (pk, ck, v, w) VALUES (1, 1, 'a', 2) USING TTL 3600", 1, 2, 0, 3);
    }

    @Test
    void writeTimestampIsTheUpdatesMaxTimestamp() {
        String[] statements = {
            "INSERT INTO shop.orders (pk, ck, v, w) VALUES (1, 1, 'a', 2) USING TIMESTAMP 1234567",
            "UPDATE shop.orders USING TIMESTAMP 99 SET tags = {'a'} WHERE pk = 1 AND ck = 1",
            "DELETE FROM shop.orders USING TIMESTAMP 77 WHERE pk = 1",
            "DELETE FROM shop.orders USING TIMESTAMP 66 WHERE pk = 1 AND ck > 1 AND ck < 5",
            "DELETE v FROM shop.orders USING TIMESTAMP 55 WHERE pk = 1 AND ck = 1",
            "INSERT INTO shop.orders (pk, ck, s, v) VALUES (1, 1, 'st', 'a')",
            "UPDATE shop.hits SET n = n + 1 WHERE pk = 1",
        };
        for (String cql : statements) {
            PartitionUpdate u = CassandraFixture.mutation(cql).getPartitionUpdates().iterator().next();
            MutationFacts f = new MutationFacts().count(u);
            assertEquals(u.maxTimestamp(), f.maxTimestamp, cql);
            assertTrue(f.hasTimestamp(), cql);
        }
        PartitionUpdate u = CassandraFixture.mutation("INSERT INTO shop.orders (pk, ck, v) VALUES (1, 1, 'a') USING TIMESTAMP 1234567")
                .getPartitionUpdates().iterator().next();
        assertEquals(1234567, new MutationFacts().count(u).maxTimestamp);
    }

    @Test
    void aRowDeleteHasItsTimestampThoughCassandrasMaxTimestampIgnoresIt() {
        PartitionUpdate u = CassandraFixture.mutation("DELETE FROM shop.orders USING TIMESTAMP 4242 WHERE pk = 1 AND ck = 1")
                .getPartitionUpdates().iterator().next();
        assertEquals(Long.MIN_VALUE, u.maxTimestamp());
        MutationFacts f = new MutationFacts().count(u);
        assertEquals(4242, f.maxTimestamp);
        assertTrue(f.hasTimestamp());
    }

    @Test
    void countsAreReplacedNotAccumulated() {
        MutationFacts f = new MutationFacts();
        Mutation m = CassandraFixture.mutation("INSERT INTO shop.orders (pk, ck, v, w) VALUES (1, 1, 'a', 2)");
        PartitionUpdate u = m.getPartitionUpdates().iterator().next();
        f.count(CassandraFixture.mutation("DELETE FROM shop.orders WHERE pk = 1").getPartitionUpdates().iterator().next());
        f.count(u);
        f.count(u);
        assertEquals(1, f.rows);
        assertEquals(2, f.cells);
        assertEquals(0, f.tombstones);
        assertEquals(0, f.partitionTombstones);
    }
}
