package io.cdflow.agent.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    @Test
    void countsAreReplacedNotAccumulated() {
        MutationFacts f = new MutationFacts();
        Mutation m = CassandraFixture.mutation("INSERT INTO shop.orders (pk, ck, v, w) VALUES (1, 1, 'a', 2)");
        PartitionUpdate u = m.getPartitionUpdates().iterator().next();
        f.count(u);
        f.count(u);
        assertEquals(1, f.rows);
        assertEquals(2, f.cells);
    }
}
