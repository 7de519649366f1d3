package io.cdflow.agent.handoff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.nativecore.NativeCore;
import io.cdflow.agent.testutil.DecodedEvent;
import io.cdflow.agent.testutil.RecordingSink;
import io.cdflow.agent.wire.MutationEvent;
import io.cdflow.agent.wire.WireFormat;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ThreadBuffersTest {
    private static final int BUFFER = ThreadBuffers.MIN_BUFFER_BYTES; // room for 10 events with 4-byte keys

    static MutationEvent event(long n) {
        MutationEvent e = new MutationEvent();
        e.kind = WireFormat.KIND_COORDINATOR_WRITE;
        e.eventTimeMicros = n;
        e.rows = n;
        e.setKey(ByteBuffer.wrap(new byte[] {0, 0, 0, (byte) n}));
        return e;
    }

    @Test
    void fullBufferIsSubmittedAndReused() {
        RecordingSink sink = new RecordingSink();
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        ThreadBuffer b = buffers.current();
        int perBatch = (BUFFER - WireFormat.BATCH_HEADER_BYTES) / event(0).encodedRecordBytes();
        for (int i = 0; i < perBatch * 2 + 3; i++) {
            b.append(event(i));
        }
        assertEquals(List.of(perBatch, perBatch), sink.batchEventCounts);
        buffers.flushIdle();
        assertEquals(List.of(perBatch, perBatch, 3), sink.batchEventCounts);
        List<DecodedEvent> events = sink.events();
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, events.get(i).eventTimeMicros, "events keep their order");
            assertEquals(i & 0xFF, events.get(i).key[3]);
        }
        assertEquals(perBatch * 2 + 3, buffers.eventsSeen());
        assertEquals(0, buffers.droppedInAgent());
    }

    @Test
    void idleFlushSkipsEmptyBuffers() {
        RecordingSink sink = new RecordingSink();
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        buffers.current();
        buffers.flushIdle();
        assertTrue(sink.batchEventCounts.isEmpty());
    }

    @Test
    void ownerKeepsAppendingWhileTheFlusherSubmits() throws Exception {
        RecordingSink sink = new RecordingSink();
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        AtomicReference<ThreadBuffer> ownerBuffer = new AtomicReference<>();
        Thread owner = new Thread(() -> {
            ownerBuffer.set(buffers.current());
            ownerBuffer.get().append(event(1));
        });
        owner.start();
        owner.join();
        // while the flusher is inside submit, the owner appends: its active buffer is free, nothing is dropped
        sink.duringSubmit = () -> ownerBuffer.get().append(event(2));
        ThreadBuffer b = ownerBuffer.get();
        assertTrue(b.flushIfFree());
        sink.duringSubmit = () -> { };
        assertEquals(1, sink.events().size());
        assertEquals(1, b.pendingEvents(), "the event appended during the submit waits in the active buffer");
        assertTrue(b.flushIfFree());
        assertEquals(List.of(1L, 2L), sink.events().stream().map(e -> e.eventTimeMicros).toList());
        assertEquals(0, buffers.counters().droppedBusy());
        assertEquals(0, buffers.droppedInAgent());
        assertEquals(2, buffers.eventsSeen());
        assertEquals(0, buffers.counters().submittedOutOfTurn());
    }

    @Test
    void queueFullIsCountedButNotAsAgentDrop() {
        RecordingSink sink = new RecordingSink();
        sink.result = () -> NativeCore.SUBMIT_QUEUE_FULL;
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        buffers.current().append(event(1));
        buffers.current().append(event(2));
        buffers.flushIdle();
        assertEquals(2, buffers.counters().coreQueueFull());
        assertEquals(0, buffers.droppedInAgent());
        assertTrue(buffers.isAccepting());
    }

    @Test
    void coreNotRunningStopsAcceptingAndCountsDrops() {
        RecordingSink sink = new RecordingSink();
        sink.result = () -> NativeCore.SUBMIT_NOT_RUNNING;
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        buffers.current().append(event(1));
        buffers.current().append(event(2));
        buffers.flushIdle();
        assertFalse(buffers.isAccepting());
        buffers.current().append(event(3));
        assertEquals(3, buffers.counters().droppedNotRunning());
        assertEquals(3, buffers.droppedInAgent());
        assertEquals(3, buffers.eventsSeen());
        assertEquals(List.of(2), sink.batchEventCounts, "nothing is submitted once the core is down");
    }

    @Test
    void internalErrorAndThrowingSinkAreAgentDrops() {
        RecordingSink sink = new RecordingSink();
        sink.result = () -> NativeCore.SUBMIT_INTERNAL_ERROR;
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        buffers.current().append(event(1));
        buffers.flushIdle();
        sink.result = () -> {
            throw new IllegalStateException("boom");
        };
        buffers.current().append(event(2));
        buffers.flushIdle();
        assertEquals(2, buffers.counters().droppedSubmitError());
        assertEquals(2, buffers.droppedInAgent());
    }

    @Test
    void closeFlushesEverythingAndRefusesLaterEvents() {
        RecordingSink sink = new RecordingSink();
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        buffers.current().append(event(1));
        buffers.close(100);
        assertEquals(1, sink.events().size());
        buffers.current().append(event(2));
        assertEquals(1, buffers.counters().droppedNotRunning());
        assertEquals(1, sink.events().size());
    }

    @Test
    void buffersOfDeadThreadsAreFlushedAndRetired() throws Exception {
        RecordingSink sink = new RecordingSink();
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        Thread t = new Thread(() -> {
            buffers.current().append(event(1));
            buffers.current().append(event(2));
        });
        t.start();
        t.join();
        assertEquals(1, buffers.bufferCount());
        buffers.flushIdle();
        assertEquals(0, buffers.bufferCount());
        assertEquals(2, sink.events().size());
        assertEquals(2, buffers.eventsSeen(), "counts of retired buffers are kept");
    }

    @Test
    void eventLargerThanTheBufferIsSubmittedAlone() {
        RecordingSink sink = new RecordingSink();
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        buffers.current().append(event(1));
        MutationEvent big = event(2);
        big.setKey(ByteBuffer.allocate(BUFFER * 2));
        buffers.current().append(big);
        buffers.current().append(event(3));
        buffers.flushIdle();
        assertEquals(List.of(1, 1, 1), sink.batchEventCounts);
        List<DecodedEvent> events = sink.events();
        assertEquals(BUFFER * 2, events.get(1).key.length);
        assertEquals(3, events.get(2).eventTimeMicros);
    }

    @Test
    void bufferSizeIsRangeChecked() {
        assertThrows(IllegalArgumentException.class, () -> new ThreadBuffers(new RecordingSink(), 100));
    }

    @Test
    void flusherTickSubmitsAndReports() {
        RecordingSink sink = new RecordingSink();
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        long[] reported = new long[5];
        Flusher flusher = new Flusher(buffers, 1000, (seen, busy, notRunning, submitError, other) -> {
            reported[0] = seen;
            reported[1] = busy;
            reported[2] = notRunning;
            reported[3] = submitError;
            reported[4] = other;
        });
        buffers.current().append(event(1));
        flusher.tick();
        assertEquals(1, sink.events().size());
        assertArrayEquals(new long[] {1, 0, 0, 0, 0}, reported);
        sink.result = () -> NativeCore.SUBMIT_INTERNAL_ERROR;
        buffers.current().append(event(2));
        flusher.tick();
        assertArrayEquals(new long[] {2, 0, 0, 1, 0}, reported, "each cause is reported on its own");
    }

    @Test
    void flusherThreadFlushesWithinAPeriod() throws Exception {
        RecordingSink sink = new RecordingSink();
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        Flusher flusher = new Flusher(buffers, 20, (seen, busy, notRunning, submitError, other) -> { });
        flusher.start();
        try {
            buffers.current().append(event(1));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (sink.events().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(1, sink.events().size());
        } finally {
            flusher.stop(1000);
        }
    }

    @Test
    void appendingAllocatesNothing() {
        ThreadBuffers buffers = new ThreadBuffers((batch, length, count) -> 0, 16384);
        ThreadBuffer b = buffers.current();
        MutationEvent e = event(1);
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 200_000; i++) {
            e.eventTimeMicros = i;
            b.append(e);
        }
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            e.eventTimeMicros = i;
            b.append(e);
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 100_000, allocated + " bytes allocated for 100,000 appends");
    }
}
