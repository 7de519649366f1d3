package io.cdflow.agent.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.CassandraFixture;
import io.cdflow.agent.testutil.DecodedFields;
import io.cdflow.agent.testutil.DecodedTagged;
import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.WireFormat;
import java.util.List;
import org.apache.cassandra.db.ColumnFamilyStore;
import org.apache.cassandra.db.compaction.OperationType;
import org.apache.cassandra.utils.TimeUUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Flush and compaction lineage logic: the reason hand-off from switchMemtable to the flushed memtable, the
 * compaction frame and its history numbers. (Real SSTables, memtables and compaction tasks need a running node:
 * the smoke test covers them.)
 */
class LineageCaptureTest {
    @BeforeAll
    static void cassandra() {
        CassandraFixture.init();
    }

    @AfterEach
    void cleanUp() {
        CaptureRuntime.uninstall();
        FlushCapture.PENDING.clear();
        CaptureThreadState.current().compaction = null;
    }

    @Test
    void theFlushReasonFollowsTheSwitchedMemtable() {
        try (CaptureHarness h = new CaptureHarness()) {
            Object memtable = new Object();
            Object indexMemtable = new Object();
            boolean entered = FlushCapture.switchEnter(ColumnFamilyStore.FlushReason.USER_FORCED);
            assertTrue(entered);
            FlushCapture.memtableSwitched(false, memtable);        // the table
            FlushCapture.memtableSwitched(false, indexMemtable);   // its index table, same flush
            FlushCapture.switchExit(entered);
            assertNull(CaptureThreadState.current().flush.reason);
            assertEquals(0, h.runtime.captureErrors());
            FlushCapture.memtableSwitched(true, new Object());    // truncation: not a flush
            FlushCapture.memtableSwitched(false, new Object());   // a switch outside switchMemtable(reason)
            assertEquals(3, FlushCapture.PENDING.size());

            FlushCapture.Pending p = FlushCapture.PENDING.take(memtable);
            assertEquals("USER_FORCED", p.reason);
            assertSame(memtable, p.memtable.get());
            assertEquals("USER_FORCED", FlushCapture.PENDING.take(indexMemtable).reason);
            assertNull(FlushCapture.PENDING.take(memtable), "taken once");
            assertEquals(1, FlushCapture.PENDING.size());
            assertEquals(1, TimeUUID.fromBytes(p.msb, p.lsb).asUUID().version(), "flush ids are time UUIDs");
        }
    }

    @Test
    void aCleanMemtableWritesNothingAndIsForgotten() {
        try (CaptureHarness h = new CaptureHarness()) {
            Object memtable = new Object();
            FlushCapture.memtableSwitched(false, memtable);
            FlushCapture.flushed(memtable, List.of());
            assertEquals(0, FlushCapture.PENDING.size());
            assertTrue(h.tagged().isEmpty());
            assertEquals(0, h.runtime.captureErrors());
        }
    }

    @Test
    void pendingFlushesAreBoundedAndWeak() {
        FlushCapture.PendingFlushes pending = new FlushCapture.PendingFlushes();
        Object kept = new Object();
        pending.put(kept, "A", 1, 2);
        for (int i = 0; i < FlushCapture.PendingFlushes.CAPACITY + 10; i++) {
            pending.put(new Object(), "B", 1, 2);
        }
        System.gc();
        assertTrue(pending.size() <= FlushCapture.PendingFlushes.CAPACITY);
        pending.put(kept, "C", 3, 4);
        assertEquals("C", pending.take(kept).reason, "re-registering replaces");
    }

    /** A compaction frame as taskEnter leaves it for a task of shop.orders. */
    static CompactionCapture.Frame frame(CaptureHarness h, TimeUUID opId) {
        CompactionCapture.Frame f = new CompactionCapture.Frame();
        f.active = true;
        f.startNanos = System.nanoTime() - 5_000_000;
        f.msb = opId.msb();
        f.lsb = opId.lsb();
        f.keyspace = h.ids.idOf("shop");
        f.table = h.ids.idOf("orders");
        f.operationType = h.ids.idOf(OperationType.COMPACTION.name());
        f.strategy = h.ids.idOf("SizeTieredCompactionStrategy");
        f.inputs = List.of();
        CaptureThreadState.current().compaction = f;
        return f;
    }

    @Test
    void aCompletedCompactionReportsItsHistory() {
        try (CaptureHarness h = new CaptureHarness()) {
            TimeUUID opId = TimeUUID.Generator.nextTimeUUID();
            CompactionCapture.Frame f = frame(h, opId);
            // 10 partitions from 1 source, 3 merged from 2, 1 merged from 3
            CompactionCapture.historyUpdated(opId, new long[] {10, 3, 1}, 2048, 1500);
            CompactionCapture.logged(List.of(), List.of());
            CompactionCapture.taskExit(null, true);
            List<DecodedTagged> rows = h.tagged(WireFormat.TABLE_COMPACTIONS, null);
            assertEquals(1, rows.size());
            DecodedFields c = rows.get(0).fields;
            assertEquals(opId.toString(), c.text(FieldIds.COMPACTION_ID));
            assertEquals("COMPACTION", h.text(c.str(FieldIds.OPERATION_TYPE)));
            assertEquals("SizeTieredCompactionStrategy", h.text(c.str(FieldIds.STRATEGY)));
            assertEquals("shop", h.text(c.str(FieldIds.KEYSPACE)));
            assertEquals(2048, c.i64(FieldIds.BYTES_IN));
            assertEquals(1500, c.i64(FieldIds.BYTES_OUT));
            assertEquals(10 + 2 * 3 + 3 * 1, c.i64(FieldIds.PARTITIONS_IN));
            assertEquals(14, c.i64(FieldIds.PARTITIONS_OUT));
            assertEquals(List.of(), c.textList(FieldIds.INPUT_SSTABLES));
            assertEquals(List.of(), c.textList(FieldIds.OUTPUT_SSTABLES));
            assertTrue(c.i64(FieldIds.DURATION_US) >= 5000);
            assertEquals(List.of(1, 2, 3, 4, 70, 71, 72, 73, 65, 74, 66, 75, 76, 77, 78, 79), c.ids());
            assertFalse(f.active);
            assertNull(f.inputs, "no reader kept after the task");
        }
    }

    @Test
    void failedOfflineOrForeignCompactionsReportNothing() {
        try (CaptureHarness h = new CaptureHarness()) {
            TimeUUID opId = TimeUUID.Generator.nextTimeUUID();
            frame(h, opId);
            CompactionCapture.historyUpdated(opId, new long[] {1}, 1, 1);
            CompactionCapture.taskExit(new RuntimeException("disk"), true);        // failed

            frame(h, opId);
            CompactionCapture.taskExit(null, true);                                 // offline: no history

            frame(h, opId);
            CompactionCapture.historyUpdated(TimeUUID.Generator.nextTimeUUID(), new long[] {1}, 1, 1);
            CompactionCapture.taskExit(null, true);                                 // another task's history

            CompactionCapture.Frame skipped = frame(h, opId);
            skipped.skip = true;
            CompactionCapture.historyUpdated(opId, new long[] {1}, 1, 1);
            CompactionCapture.taskExit(null, true);                                 // system keyspace

            CompactionCapture.historyUpdated(opId, new long[] {1}, 1, 1);         // outside a task
            CompactionCapture.logged(List.of(), List.of());
            assertTrue(h.tagged().isEmpty());
            assertEquals(0, h.runtime.captureErrors());
        }
    }

    @Test
    void taskEnterNeedsARealTransaction() {
        try (CaptureHarness h = new CaptureHarness()) {
            assertFalse(CompactionCapture.taskEnter(null, null, OperationType.COMPACTION));
            assertFalse(CompactionCapture.taskEnter("not a transaction", null, OperationType.COMPACTION));
            CompactionCapture.taskExit(null, false);
            assertEquals(0, h.runtime.captureErrors());
        }
    }
}
