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
 * One thread's batches: two direct little-endian buffers, the <em>active</em> one its owner thread appends to and
 * a <em>spare</em>. Whoever submits a batch (the owner when the active buffer is full, the flusher when it is idle,
 * the shutdown hook) swaps the two under the ownership flag, releases the flag and submits the spare outside it: a
 * JNI call never holds the owner's buffer, so the owner's next event always finds room.
 *
 * <p>Ownership protocol: {@code busy} is flipped 0 → 1 by CAS and set back to 0 with release semantics; it guards
 * {@code active}, {@code spare}, {@code length}, {@code eventCount} and the start of a spare's flight. It is held
 * for an append (an encode into memory) or a swap, never for a JNI call, except in the rare <em>out-of-turn</em>
 * case below. Nobody waits on it for long: the owner spins a bounded number of times, then counts its event as
 * dropped ("busy"); the flusher simply tries again on its next tick.
 *
 * <p>{@code spareInFlight} is 1 from the swap until the submit of the spare returned; only the party that set it
 * reads the spare's bytes or clears it (release), so one batch of a thread is in flight at a time and batches
 * reach the sink in the order of their events. If the owner fills its active buffer while the spare is still in
 * flight (the submitting thread was descheduled mid-call), it waits for the spare at most
 * {@link #SPARE_WAIT_NANOS}, then submits its full buffer itself while holding the flag, ahead of the batch in
 * flight: counted as {@code submittedOutOfTurn}, nothing lost, the two batches may reach the core in either order.
 *
 * <p>Shutdown: {@code busy} == 2 means the buffer is closed for good. When {@link #flushBefore} runs out of time
 * while someone holds the flag, it marks the buffer {@code abandoned}; whoever then closes the flag (the holder on
 * release, or the shutdown hook when it wins the flag) counts the events still in the active buffer as dropped,
 * exactly once.
 *
 * <p>{@code eventsSeen} is written by the owner thread only (opaque writes), read by anyone (opaque reads).
 */
public final class ThreadBuffer {
    private static final VarHandle BUSY;
    private static final VarHandle EVENT_COUNT;
    private static final VarHandle EVENTS_SEEN;
    private static final VarHandle SPARE_IN_FLIGHT;
    private static final VarHandle ABANDONED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            BUSY = lookup.findVarHandle(ThreadBuffer.class, "busy", int.class);
            EVENT_COUNT = lookup.findVarHandle(ThreadBuffer.class, "eventCount", int.class);
            EVENTS_SEEN = lookup.findVarHandle(ThreadBuffer.class, "eventsSeen", long.class);
            SPARE_IN_FLIGHT = lookup.findVarHandle(ThreadBuffer.class, "spareInFlight", int.class);
            ABANDONED = lookup.findVarHandle(ThreadBuffer.class, "abandoned", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Spins the owner tries for the flag before it starts yielding (see {@link #acquireForOwner}). */
    private static final int OWNER_SPINS = 256;
    /**
     * Longest the owner yields for its flag after spinning, before it drops its event: long enough for a
     * descheduled holder to be run again on a loaded machine, short enough never to stall a Cassandra thread
     * noticeably (it is only reached when the holder was preempted mid-swap).
     */
    static final long OWNER_WAIT_NANOS = 2_000_000;
    /**
     * Longest the owner waits for the spare to come back from a submit in flight (a JNI copy of one buffer takes a
     * few microseconds) before it submits its full buffer out of turn.
     */
    static final long SPARE_WAIT_NANOS = 20_000;
    /** Longest {@link #abandonAtDeadline} waits for the flag's holder to let go. */
    private static final long ABANDON_WAIT_NANOS = 100_000_000;
    private static final int FREE = 0;
    private static final int HELD = 1;
    private static final int CLOSED = 2;

    private final ThreadBuffers owner;
    private final HandoffCounters counters;
    private final int capacity;
    private final WeakReference<Thread> thread;

    @SuppressWarnings("unused") // accessed through BUSY
    private int busy;
    private ByteBuffer active;
    private ByteBuffer spare;
    private int length = WireFormat.BATCH_HEADER_BYTES;
    private int eventCount;
    @SuppressWarnings("unused") // accessed through SPARE_IN_FLIGHT
    private int spareInFlight;
    /** Length and events of the spare while it is in flight (written by the swapper, read by it only). */
    private int spareLength;
    private int spareEvents;
    @SuppressWarnings("unused") // accessed through ABANDONED
    private int abandoned;
    private long eventsSeen;

    ThreadBuffer(ThreadBuffers owner, Thread thread, int capacity) {
        this.owner = owner;
        this.counters = owner.counters();
        this.capacity = capacity;
        this.active = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
        this.spare = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
        this.thread = new WeakReference<>(thread);
    }

    /**
     * Encodes {@code e} (a MUTATION_EVENT or a TAGGED_EVENT) into the active buffer, submitting the buffer first
     * when the event does not fit. Called by the owner thread only. Never blocks, never throws: an event that
     * cannot be taken is counted as dropped with its cause.
     */
    public void append(WireRecord e) {
        EVENTS_SEEN.setOpaque(this, eventsSeen + 1);
        if (!acquireForOwner()) {
            (owner.isAccepting() ? counters.droppedBusy : counters.droppedNotRunning).increment();
            return;
        }
        boolean sealed = false;
        boolean alone = false;
        try {
            // checked under the flag: once close() has flushed this buffer, nothing can be left behind in it
            if (!owner.isAccepting()) {
                counters.droppedNotRunning.increment();
            } else {
                int size = e.encodedRecordBytes();
                if (length + size > capacity && eventCount > 0) {
                    sealed = sealOrSubmitHeld();
                }
                if (WireFormat.BATCH_HEADER_BYTES + size > capacity) {
                    alone = true;
                } else {
                    e.writeRecord(active, length);
                    length += size;
                    EVENT_COUNT.setOpaque(this, eventCount + 1);
                }
            }
        } catch (Throwable t) {
            counters.droppedOther.increment();
        } finally {
            release();
        }
        if (sealed) {
            submitSpare();
        }
        if (alone) {
            submitAlone(e);
        }
    }

    /**
     * Takes the flag for the owner. The other holders keep it for a swap of two references (nanoseconds), so the
     * owner first spins ({@link #OWNER_SPINS}, well under a microsecond each). A holder still there after that was
     * descheduled in the middle of its swap (seen under load on 2 cores: one event in ~300,000 was dropped "busy"
     * after 256 spins): the owner then yields its core, so that the holder can run and let go, for at most
     * {@link #OWNER_WAIT_NANOS} in all before it gives up and drops the event. A bounded wait, never a block.
     */
    private boolean acquireForOwner() {
        for (int spin = 0; spin < OWNER_SPINS; spin++) {
            if (BUSY.compareAndSet(this, FREE, HELD)) {
                return true;
            }
            Thread.onSpinWait();
        }
        long start = System.nanoTime();
        do {
            Thread.yield();
            if (BUSY.compareAndSet(this, FREE, HELD)) {
                return true;
            }
            if ((int) BUSY.getVolatile(this) == CLOSED) {
                return false;
            }
        } while (System.nanoTime() - start < OWNER_WAIT_NANOS);
        return false;
    }

    /**
     * The full active buffer must go (caller holds the flag, {@code eventCount > 0}): swaps it with the spare when
     * the spare comes back in time (returns true: the caller submits the spare after releasing the flag), else
     * submits it now, out of turn (returns false).
     */
    private boolean sealOrSubmitHeld() {
        if (awaitSpare()) {
            swapHeld();
            return true;
        }
        counters.submittedOutOfTurn.increment();
        submitActiveHeld();
        return false;
    }

    /** Waits at most {@link #SPARE_WAIT_NANOS} for the spare to come back from a submit in flight. */
    private boolean awaitSpare() {
        if (!spareInFlight()) {
            return true;
        }
        long start = System.nanoTime();
        do {
            for (int spin = 0; spin < 32; spin++) {
                Thread.onSpinWait();
            }
            if (!spareInFlight()) {
                return true;
            }
        } while (System.nanoTime() - start < SPARE_WAIT_NANOS);
        return false;
    }

    /** Active ↔ spare; the spare (the full batch) is now in flight. Caller holds the flag, spare not in flight. */
    private void swapHeld() {
        ByteBuffer full = active;
        active = spare;
        spare = full;
        spareLength = length;
        spareEvents = eventCount;
        length = WireFormat.BATCH_HEADER_BYTES;
        EVENT_COUNT.setOpaque(this, 0);
        SPARE_IN_FLIGHT.setVolatile(this, 1);
    }

    /** Submits the spare swapped out by this thread, outside the flag, then hands it back. */
    private void submitSpare() {
        try {
            BatchEncoder.writeHeader(spare, spareEvents);
            owner.submit(spare, spareLength, spareEvents);
        } catch (Throwable t) {
            counters.droppedOther.add(spareEvents);
        } finally {
            SPARE_IN_FLIGHT.setRelease(this, 0);
        }
    }

    /** Writes the header, submits the active buffer, empties it. Caller holds the flag. */
    private void submitActiveHeld() {
        int events = eventCount;
        BatchEncoder.writeHeader(active, events);
        owner.submit(active, length, events);
        length = WireFormat.BATCH_HEADER_BYTES;
        EVENT_COUNT.setOpaque(this, 0);
    }

    /** An event larger than a buffer: in a batch of its own, after any batch of this thread still in flight. */
    private void submitAlone(WireRecord e) {
        try {
            if (!awaitSpare()) {
                counters.submittedOutOfTurn.increment();
            }
            owner.submitAlone(e);
        } catch (Throwable t) {
            counters.droppedOther.increment();
        }
    }

    /**
     * Releases the flag. If shutdown abandoned this buffer meanwhile, the holder instead counts the events left in
     * the active buffer as dropped and closes the buffer for good (see {@link #abandonAtDeadline}).
     */
    private void release() {
        if ((int) ABANDONED.getVolatile(this) == 1) {
            dropLeftHeld();
            BUSY.setRelease(this, CLOSED);
        } else {
            BUSY.setRelease(this, FREE);
        }
    }

    /** Counts the events of the active buffer as dropped and empties it. Caller holds the flag. */
    private void dropLeftHeld() {
        counters.droppedOther.add(eventCount);
        length = WireFormat.BATCH_HEADER_BYTES;
        EVENT_COUNT.setOpaque(this, 0);
    }

    /** Events this buffer's owner handed to {@link #append} so far. */
    public long eventsSeen() {
        return (long) EVENTS_SEEN.getOpaque(this);
    }

    /** Events waiting in the active buffer (a hint unless the caller holds the flag). */
    int pendingEvents() {
        return (int) EVENT_COUNT.getOpaque(this);
    }

    /** Whether a batch of this buffer is being submitted right now. */
    boolean spareInFlight() {
        return (int) SPARE_IN_FLIGHT.getAcquire(this) == 1;
    }

    /** Whether the owner thread is still alive. */
    boolean ownerAlive() {
        Thread t = thread.get();
        return t != null && t.isAlive();
    }

    /**
     * Submits the pending events if the flag is free and no batch of this buffer is in flight (flusher tick):
     * swaps under the flag, submits outside it.
     *
     * @return false when events are still pending because the flag was held or a batch was in flight
     */
    boolean flushIfFree() {
        if (pendingEvents() == 0) {
            return true;
        }
        if (spareInFlight() || !BUSY.compareAndSet(this, FREE, HELD)) {
            return false;
        }
        boolean sealed = false;
        boolean pending;
        try {
            pending = eventCount > 0;
            if (pending && !spareInFlight()) {
                swapHeld();
                sealed = true;
            }
        } finally {
            release();
        }
        if (sealed) {
            submitSpare();
        }
        return sealed || !pending;
    }

    /**
     * Submits the pending events before {@code deadlineNanos} (shutdown), retrying for the flag and for a batch in
     * flight. At the deadline the active buffer is submitted out of turn if the flag is free; if someone still
     * holds it, its events are counted as dropped once that holder lets go (see the class comment).
     */
    void flushBefore(long deadlineNanos) {
        while (pendingEvents() > 0) {
            if (flushIfFree()) {
                continue;
            }
            if (System.nanoTime() - deadlineNanos > 0) {
                submitOrAbandonAtDeadline();
                return;
            }
            Thread.yield();
        }
    }

    private void submitOrAbandonAtDeadline() {
        if (BUSY.compareAndSet(this, FREE, HELD)) {
            try {
                if (eventCount > 0) {
                    counters.submittedOutOfTurn.increment();
                    submitActiveHeld();
                }
            } catch (Throwable t) {
                dropLeftHeld();
            } finally {
                release();
            }
            return;
        }
        abandonAtDeadline();
    }

    /**
     * Someone holds the flag at the deadline: marks the buffer abandoned, so that whoever releases the flag from now
     * on closes it and counts what is left (the holder in {@link #release}, or this thread when it wins the flag).
     * Waits at most {@link #ABANDON_WAIT_NANOS} for a holder that read the mark just before it was set (it is about
     * to release the flag).
     */
    private void abandonAtDeadline() {
        ABANDONED.setVolatile(this, 1);
        long start = System.nanoTime();
        while (System.nanoTime() - start < ABANDON_WAIT_NANOS) {
            if (BUSY.compareAndSet(this, FREE, CLOSED)) {
                dropLeftHeld();
                return;
            }
            if ((int) BUSY.getVolatile(this) == CLOSED) {
                return;
            }
            Thread.yield();
        }
    }
}
