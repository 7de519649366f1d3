package io.cdflow.agent.handoff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.ConcurrentSink;
import io.cdflow.agent.testutil.DecodedEvent;
import io.cdflow.agent.wire.MutationEvent;
import io.cdflow.agent.wire.WireFormat;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The two buffers per thread: a submit in flight (however slow) never costs the owner an event, every event reaches
 * the sink exactly once and in its thread's order (except batches counted as out of turn), and shutdown drains
 * both buffers.
 */
class SwappedBuffersTest {
    private static final int BUFFER = 4096;

    /** Event {@code seq} of owner {@code owner}: the sequence in event_time, the owner in rows, both in the key. */
    static MutationEvent event(int owner, long seq) {
        MutationEvent e = new MutationEvent();
        e.kind = WireFormat.KIND_COORDINATOR_WRITE;
        e.eventTimeMicros = seq;
        e.rows = owner;
        e.setKey(ByteBuffer.allocate(12).putInt(owner).putLong(seq).flip());
        return e;
    }

    static void assertIsEvent(DecodedEvent e, int owner, long seq) {
        assertEquals(owner, e.rows);
        assertEquals(seq, e.eventTimeMicros);
        assertArrayEquals(ByteBuffer.allocate(12).putInt(owner).putLong(seq).array(), e.key);
        assertEquals(WireFormat.KIND_COORDINATOR_WRITE, e.kind);
    }

    @Test
    void aSlowSinkCostsTheOwnersNothing() throws Exception {
        int owners = 2;
        int perOwner = 5_000;
        ConcurrentSink sink = new ConcurrentSink();
        sink.pause = entry -> sleepMillis(5); // every submit, the owners' own and the flusher's, takes 5 ms
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        Flusher flusher = new Flusher(buffers, 1, (seen, busy, notRunning, submitError, other) -> { });
        flusher.start();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int o = 0; o < owners; o++) {
                int owner = o;
                Thread t = new Thread(() -> {
                    MutationEvent e = event(owner, 0);
                    for (int seq = 0; seq < perOwner; seq++) {
                        e.eventTimeMicros = seq;
                        e.setKey(ByteBuffer.allocate(12).putInt(owner).putLong(seq).flip());
                        buffers.current().append(e);
                        if (seq % 20 == 0) {
                            LockSupport.parkNanos(200_000); // a pause: the flusher finds partly filled buffers
                        }
                    }
                }, "owner-" + owner);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(60_000);
            }
        } finally {
            flusher.stop(5_000);
        }
        buffers.close(10_000);

        HandoffCounters c = buffers.counters();
        assertEquals(List.of(), List.copyOf(sink.failures));
        assertEquals(0, c.droppedBusy(), "no busy drop");
        assertEquals(0, buffers.droppedInAgent());
        assertEquals((long) owners * perOwner, buffers.eventsSeen());
        List<ConcurrentSink.Batch> batches = sink.inEntryOrder();
        assertTrue(batches.stream().anyMatch(b -> b.thread().equals(Flusher.THREAD_NAME)),
                "the flusher took part");
        Map<Integer, List<DecodedEvent>> byOwner = new HashMap<>();
        Map<Integer, Long> lastSeq = new HashMap<>();
        long inversions = 0;
        for (ConcurrentSink.Batch batch : batches) {
            int owner = (int) batch.events().get(0).rows;
            long first = batch.events().get(0).eventTimeMicros;
            for (int i = 0; i < batch.events().size(); i++) {
                assertIsEvent(batch.events().get(i), owner, first + i); // one owner's consecutive events per batch
            }
            if (first < lastSeq.getOrDefault(owner, -1L)) {
                inversions++;
            }
            lastSeq.merge(owner, first + batch.events().size() - 1, Math::max);
            byOwner.computeIfAbsent(owner, k -> new ArrayList<>()).addAll(batch.events());
        }
        assertTrue(inversions <= c.submittedOutOfTurn(),
                inversions + " batches out of order, " + c.submittedOutOfTurn() + " submitted out of turn");
        for (int o = 0; o < owners; o++) {
            List<DecodedEvent> events = new ArrayList<>(byOwner.get(o));
            events.sort((a, b) -> Long.compare(a.eventTimeMicros, b.eventTimeMicros));
            assertEquals(perOwner, events.size(), "owner " + o + ": every event exactly once");
            for (int seq = 0; seq < perOwner; seq++) {
                assertIsEvent(events.get(seq), o, seq);
            }
        }
    }

    @Test
    void aFullBufferGoesOutOfTurnWhenTheSpareDoesNotComeBack() throws Exception {
        ConcurrentSink sink = new ConcurrentSink();
        CountDownLatch flusherMayReturn = new CountDownLatch(1);
        sink.pause = entry -> {
            if (Thread.currentThread().getName().equals("flusher")) {
                await(flusherMayReturn);
            }
        };
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        ThreadBuffer b = buffers.current();
        int perBatch = (BUFFER - WireFormat.BATCH_HEADER_BYTES) / event(0, 0).encodedRecordBytes();
        b.append(event(0, 0));
        Thread flusher = new Thread(b::flushIfFree, "flusher");
        flusher.start();
        awaitTrue(() -> sink.entered() == 1);
        for (int seq = 1; seq <= perBatch + 1; seq++) {
            b.append(event(0, seq)); // the last one finds the active buffer full and the spare in flight
        }
        assertEquals(1, buffers.counters().submittedOutOfTurn());
        flusherMayReturn.countDown();
        flusher.join();
        b.flushIfFree();
        List<Long> order = sink.inEntryOrder().stream()
                .flatMap(batch -> batch.events().stream().map(e -> e.eventTimeMicros)).toList();
        assertEquals(perBatch + 2, order.size());
        assertEquals(List.of(0L), order.subList(0, 1), "the flusher's call entered first");
        assertEquals(0, buffers.droppedInAgent());
        assertEquals(List.of(), List.copyOf(sink.failures));
    }

    @Test
    void closeWaitsForTheBatchInFlightThenSubmitsTheActiveBuffer() throws Exception {
        ConcurrentSink sink = new ConcurrentSink();
        CountDownLatch flusherMayReturn = new CountDownLatch(1);
        sink.pause = entry -> {
            if (Thread.currentThread().getName().equals("flusher")) {
                await(flusherMayReturn);
            }
        };
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        ThreadBuffer b = buffers.current();
        b.append(event(0, 0));
        Thread flusher = new Thread(b::flushIfFree, "flusher");
        flusher.start();
        awaitTrue(b::spareInFlight);
        b.append(event(0, 1));
        b.append(event(0, 2));
        Thread release = new Thread(() -> {
            sleepMillis(50);
            flusherMayReturn.countDown();
        });
        release.start();
        buffers.close(10_000); // both buffers: the one in flight comes back, then the active one goes
        flusher.join();
        release.join();
        assertEquals(List.of(1, 2), sink.inEntryOrder().stream().map(batch -> batch.events().size()).toList());
        assertEquals(List.of(0L, 1L, 2L), sink.inEntryOrder().stream()
                .flatMap(batch -> batch.events().stream().map(e -> e.eventTimeMicros)).toList());
        assertEquals(0, buffers.counters().submittedOutOfTurn());
        assertEquals(0, buffers.droppedInAgent());
    }

    @Test
    void atTheDeadlineCloseSubmitsTheActiveBufferOutOfTurn() throws Exception {
        ConcurrentSink sink = new ConcurrentSink();
        CountDownLatch flusherMayReturn = new CountDownLatch(1);
        sink.pause = entry -> {
            if (Thread.currentThread().getName().equals("flusher")) {
                await(flusherMayReturn);
            }
        };
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        ThreadBuffer b = buffers.current();
        b.append(event(0, 0));
        Thread flusher = new Thread(b::flushIfFree, "flusher");
        flusher.start();
        awaitTrue(b::spareInFlight);
        b.append(event(0, 1));
        buffers.close(50);
        assertEquals(1, buffers.counters().submittedOutOfTurn());
        flusherMayReturn.countDown();
        flusher.join();
        assertEquals(List.of(0L, 1L), sink.inEntryOrder().stream()
                .flatMap(batch -> batch.events().stream().map(e -> e.eventTimeMicros)).sorted().toList());
        assertEquals(0, buffers.droppedInAgent());
    }

    @Test
    void aBufferAbandonedAtTheDeadlineCountsWhatItLeftExactlyOnce() throws Exception {
        ConcurrentSink sink = new ConcurrentSink();
        CountDownLatch mayReturn = new CountDownLatch(1);
        sink.pause = entry -> await(mayReturn); // every submit hangs until the test lets go
        ThreadBuffers buffers = new ThreadBuffers(sink, BUFFER);
        int perBatch = (BUFFER - WireFormat.BATCH_HEADER_BYTES) / event(0, 0).encodedRecordBytes();
        AtomicReference<ThreadBuffer> owned = new AtomicReference<>();
        CountDownLatch ownerStarted = new CountDownLatch(1);
        Thread owner = new Thread(() -> {
            ThreadBuffer b = buffers.current();
            owned.set(b);
            b.append(event(0, 0));
            ownerStarted.countDown();
            awaitTrue(b::spareInFlight);
            // fills the active buffer; the last append submits it out of turn while holding the flag (and hangs),
            // then puts its own event into the emptied buffer
            for (int seq = 1; seq <= perBatch + 1; seq++) {
                b.append(event(0, seq));
            }
        }, "owner");
        owner.start();
        await(ownerStarted);
        Thread flusher = new Thread(() -> owned.get().flushIfFree(), "flusher");
        flusher.start();
        awaitTrue(() -> buffers.counters().submittedOutOfTurn() == 1);
        buffers.close(50); // the owner holds the flag past the deadline: the buffer is abandoned
        mayReturn.countDown();
        owner.join();
        flusher.join();
        buffers.current().append(event(1, 0)); // another thread, after close
        HandoffCounters c = buffers.counters();
        long delivered = sink.batches.stream().mapToLong(batch -> batch.events().size()).sum();
        assertEquals(perBatch + 1, delivered);
        assertEquals(1, c.droppedOther(), "the owner's last event, left in the abandoned buffer");
        assertEquals(1, c.droppedNotRunning());
        assertEquals(perBatch + 3, buffers.eventsSeen());
        assertEquals(buffers.eventsSeen(), delivered + buffers.droppedInAgent(), "each event counted once");
        owned.get().append(event(0, 99)); // a closed buffer takes nothing: counted as not running
        assertEquals(2, c.droppedNotRunning());
        assertEquals(0, c.droppedBusy());
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS), "latch never opened");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition never became true");
            Thread.onSpinWait();
        }
    }
}
