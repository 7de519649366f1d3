package io.cdflow.agent.handoff;

import io.cdflow.agent.nativecore.NativeCore;
import io.cdflow.agent.wire.BatchEncoder;
import io.cdflow.agent.wire.WireFormat;
import io.cdflow.agent.wire.WireRecord;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The per-thread batch buffers and their hand-off to a {@link BatchSink} (the core).
 *
 * <p>Each thread that captures events gets one {@link ThreadBuffer} (two buffers of {@code bufferBytes}), registered here so
 * the flusher can submit it when idle and the shutdown hook can drain it. Buffers of threads that died are
 * flushed once more and forgotten by {@link #flushIdle()}, their counts kept in {@code retiredEventsSeen}.
 *
 * <p>Once {@link #close} ran, or the sink answered {@code SUBMIT_NOT_RUNNING}, nothing is accepted any more:
 * events are counted as dropped without being encoded.
 */
public final class ThreadBuffers {
    /** Smallest accepted buffer: a batch header plus one event with a 1 KiB key. */
    public static final int MIN_BUFFER_BYTES = 1024 + WireFormat.BATCH_HEADER_BYTES + WireFormat.eventRecordBytes(0);
    /** Largest accepted buffer. */
    public static final int MAX_BUFFER_BYTES = 16 << 20;

    private final BatchSink sink;
    private final int bufferBytes;
    private final HandoffCounters counters = new HandoffCounters();
    private final CopyOnWriteArrayList<ThreadBuffer> buffers = new CopyOnWriteArrayList<>();
    private final ThreadLocal<ThreadBuffer> current = ThreadLocal.withInitial(this::register);
    private final AtomicLong retiredEventsSeen = new AtomicLong();
    private volatile boolean accepting = true;

    public ThreadBuffers(BatchSink sink, int bufferBytes) {
        if (bufferBytes < MIN_BUFFER_BYTES || bufferBytes > MAX_BUFFER_BYTES) {
            throw new IllegalArgumentException("buffer_bytes must be between " + MIN_BUFFER_BYTES + " and "
                    + MAX_BUFFER_BYTES + ": " + bufferBytes);
        }
        this.sink = sink;
        this.bufferBytes = bufferBytes;
    }

    /** The calling thread's buffer, created and registered on first use. */
    public ThreadBuffer current() {
        return current.get();
    }

    public HandoffCounters counters() {
        return counters;
    }

    /** Whether events are still taken. */
    public boolean isAccepting() {
        return accepting;
    }

    /** Number of registered buffers (live threads plus dead ones not yet retired). */
    public int bufferCount() {
        return buffers.size();
    }

    /** Events handed to {@link ThreadBuffer#append} by every thread so far. */
    public long eventsSeen() {
        long total = retiredEventsSeen.get();
        for (ThreadBuffer b : buffers) {
            total += b.eventsSeen();
        }
        return total;
    }

    /** Events dropped before the core counted them. */
    public long droppedInAgent() {
        return counters.droppedInAgent();
    }

    /**
     * Hands the Java-side totals to {@code reporter}. The drop counters are read before the events seen: an event
     * is counted as seen before its outcome, so every drop reported belongs to an event reported as seen.
     */
    public void reportTo(Flusher.CounterReporter reporter) {
        long busy = counters.droppedBusy();
        long notRunning = counters.droppedNotRunning();
        long submitError = counters.droppedSubmitError();
        long other = counters.droppedOther();
        reporter.report(eventsSeen(), busy, notRunning, submitError, other);
    }

    /**
     * Flusher tick: submits every non-empty buffer whose flag is free and retires the buffers of dead threads.
     */
    public void flushIdle() {
        for (ThreadBuffer b : buffers) {
            boolean alive = b.ownerAlive();
            boolean flushed = b.flushIfFree();
            if (!alive && flushed && b.pendingEvents() == 0 && !b.spareInFlight() && buffers.remove(b)) {
                retiredEventsSeen.addAndGet(b.eventsSeen());
            }
        }
    }

    /**
     * Stops accepting events and submits what every buffer holds (the active buffer, after any batch still in
     * flight), waiting at most {@code timeoutMillis} in total for buffers whose owner is in the middle of an append
     * or whose batch is in flight. Idempotent.
     */
    public void close(long timeoutMillis) {
        accepting = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (ThreadBuffer b : buffers) {
            b.flushBefore(deadline);
        }
    }

    /** Submits one prepared batch and counts the outcome; stops accepting when the core is not running. */
    void submit(ByteBuffer batch, int length, int eventCount) {
        int result;
        try {
            result = sink.submit(batch, length, eventCount);
        } catch (Throwable t) {
            result = NativeCore.SUBMIT_INTERNAL_ERROR;
        }
        counters.countSubmit(result, eventCount);
        if (result == NativeCore.SUBMIT_NOT_RUNNING) {
            accepting = false;
        }
    }

    /** Submits an event too large for a thread buffer in a batch of its own (rare: keys over ~16 KiB). */
    void submitAlone(WireRecord e) {
        ByteBuffer batch = ByteBuffer.allocateDirect(WireFormat.BATCH_HEADER_BYTES + e.encodedRecordBytes())
                .order(ByteOrder.LITTLE_ENDIAN);
        BatchEncoder.writeHeader(batch, 1);
        int length = WireFormat.BATCH_HEADER_BYTES + e.writeRecord(batch, WireFormat.BATCH_HEADER_BYTES);
        submit(batch, length, 1);
    }

    private ThreadBuffer register() {
        ThreadBuffer b = new ThreadBuffer(this, Thread.currentThread(), bufferBytes);
        buffers.add(b);
        return b;
    }
}
