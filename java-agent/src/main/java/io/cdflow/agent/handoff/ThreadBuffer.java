package io.cdflow.agent.handoff;

import io.cdflow.agent.wire.BatchEncoder;
import io.cdflow.agent.wire.WireFormat;
import io.cdflow.agent.wire.WireRecord;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One thread's batch under construction: a direct little-endian buffer holding a wire-format batch whose header is
 * written just before it is submitted.
 *
 * <p>Ownership protocol: whoever changes the buffer (its owner thread appending, the flusher or the shutdown hook
 * submitting) first flips {@code busy} from 0 to 1 with a CAS and sets it back to 0 with release semantics when
 * done. Nobody waits for it: an owner that finds the flag taken drops its event and counts it; the flusher tries
 * again on its next tick. {@code length} and {@code eventCount} are only written while holding the flag; the
 * flusher's pre-check reads {@code eventCount} as a hint (opaque), then re-reads it under the flag.
 *
 * <p>{@code eventsSeen} is written by the owner thread only (opaque writes), read by anyone (opaque reads).
 */
public final class ThreadBuffer {
    private static final VarHandle BUSY;
    private static final VarHandle EVENT_COUNT;
    private static final VarHandle EVENTS_SEEN;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            BUSY = lookup.findVarHandle(ThreadBuffer.class, "busy", int.class);
            EVENT_COUNT = lookup.findVarHandle(ThreadBuffer.class, "eventCount", int.class);
            EVENTS_SEEN = lookup.findVarHandle(ThreadBuffer.class, "eventsSeen", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ThreadBuffers owner;
    private final HandoffCounters counters;
    private final ByteBuffer buf;
    private final int capacity;
    private final WeakReference<Thread> thread;

    @SuppressWarnings("unused") // accessed through BUSY
    private int busy;
    /** Spins the owner tries for the flag before dropping (see {@link #acquireForOwner}). */
    private static final int OWNER_SPINS = 256;
    private int length = WireFormat.BATCH_HEADER_BYTES;
    private int eventCount;
    private long eventsSeen;

    ThreadBuffer(ThreadBuffers owner, Thread thread, int capacity) {
        this.owner = owner;
        this.counters = owner.counters();
        this.capacity = capacity;
        this.buf = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
        this.thread = new WeakReference<>(thread);
    }

    /**
     * Encodes {@code e} (a MUTATION_EVENT or a TAGGED_EVENT) into this buffer, submitting the buffer first when
     * the event does not fit. Called by the owner thread only. Never blocks, never throws: an event that cannot be
     * taken is counted as dropped.
     */
    public void append(WireRecord e) {
        EVENTS_SEEN.setOpaque(this, eventsSeen + 1);
        if (!acquireForOwner()) {
            counters.droppedBusy.increment();
            return;
        }
        try {
            // checked under the flag: once close() has flushed this buffer, nothing can be left behind in it
            if (!owner.isAccepting()) {
                counters.droppedNotRunning.increment();
                return;
            }
            int size = e.encodedRecordBytes();
            if (length + size > capacity) {
                if (eventCount > 0) {
                    submitHeld();
                }
                if (WireFormat.BATCH_HEADER_BYTES + size > capacity) {
                    owner.submitAlone(e);
                    return;
                }
            }
            e.writeRecord(buf, length);
            length += size;
            EVENT_COUNT.setOpaque(this, eventCount + 1);
        } catch (Throwable t) {
            counters.droppedOther.increment();
        } finally {
            BUSY.setRelease(this, 0);
        }
    }

    /**
     * Takes the flag for the owner. The only other holder is the flusher, for the length of one copy into the
     * core (a few microseconds), so the owner retries a bounded number of spins (well under a microsecond each)
     * before it gives up and drops: a bounded wait, never a block.
     */
    private boolean acquireForOwner() {
        for (int spin = 0; spin < OWNER_SPINS; spin++) {
            if (BUSY.compareAndSet(this, 0, 1)) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /** Events this buffer's owner handed to {@link #append} so far. */
    public long eventsSeen() {
        return (long) EVENTS_SEEN.getOpaque(this);
    }

    /** Events waiting in the buffer (a hint unless the caller holds the flag). */
    int pendingEvents() {
        return (int) EVENT_COUNT.getOpaque(this);
    }

    /** Whether the owner thread is still alive. */
    boolean ownerAlive() {
        Thread t = thread.get();
        return t != null && t.isAlive();
    }

    /**
     * Submits the pending events if the flag is free (flusher tick).
     *
     * @return false when the owner held the flag and nothing was done
     */
    boolean flushIfFree() {
        if (pendingEvents() == 0) {
            return true;
        }
        if (!BUSY.compareAndSet(this, 0, 1)) {
            return false;
        }
        try {
            if (eventCount > 0) {
                submitHeld();
            }
        } finally {
            BUSY.setRelease(this, 0);
        }
        return true;
    }

    /**
     * Submits the pending events, retrying for the flag until {@code deadlineNanos}; events still in the buffer
     * after that are counted as dropped (shutdown).
     */
    void flushBefore(long deadlineNanos) {
        while (!flushIfFree()) {
            if (System.nanoTime() - deadlineNanos > 0) {
                counters.droppedOther.add(pendingEvents());
                return;
            }
            Thread.yield();
        }
    }

    /** Writes the header, submits, counts the outcome, empties the buffer. Caller holds the flag. */
    private void submitHeld() {
        int events = eventCount;
        BatchEncoder.writeHeader(buf, events);
        owner.submit(buf, length, events);
        length = WireFormat.BATCH_HEADER_BYTES;
        EVENT_COUNT.setOpaque(this, 0);
    }

}
