package io.cdflow.agent.handoff;

import io.cdflow.agent.wire.EventClock;

/**
 * The daemon thread {@value #THREAD_NAME}: every {@code periodMillis} it submits the buffers that hold events
 * (so a quiet thread's events reach the core within about one period), re-reads the wall clock for
 * {@link EventClock}, and reports the Java-side totals to the core.
 *
 * <p>It touches no Cassandra class. A failing tick is counted and never stops the thread.
 */
public final class Flusher implements Runnable {
    public static final String THREAD_NAME = "cdflow-flusher";

    /**
     * Receives absolute totals each tick ({@code NativeCore::reportAgentCounters} in the agent): events seen, and
     * events dropped before the core saw them, per cause (see {@link HandoffCounters}).
     */
    @FunctionalInterface
    public interface CounterReporter {
        void report(long eventsSeen, long droppedBusy, long droppedNotRunning, long droppedSubmitError,
                long droppedOther);
    }

    private final ThreadBuffers buffers;
    private final long periodMillis;
    private final CounterReporter reporter;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long failedTicks;

    public Flusher(ThreadBuffers buffers, long periodMillis, CounterReporter reporter) {
        this.buffers = buffers;
        this.periodMillis = periodMillis;
        this.reporter = reporter;
        this.thread = new Thread(this, THREAD_NAME);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    @Override
    public void run() {
        while (running) {
            try {
                Thread.sleep(periodMillis);
            } catch (InterruptedException e) {
                if (!running) {
                    return;
                }
            }
            if (running) {
                tick();
            }
        }
    }

    /** One round: rebase the clock, submit non-empty buffers, report counters. Never throws. */
    public void tick() {
        try {
            EventClock.rebase();
            buffers.flushIdle();
            buffers.reportTo(reporter);
        } catch (Throwable t) {
            failedTicks++;
        }
    }

    /**
     * Stops the thread: no new tick starts after this is called; waits at most {@code timeoutMillis} for a tick in
     * progress to end.
     */
    public void stop(long timeoutMillis) {
        running = false;
        thread.interrupt();
        try {
            thread.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public long failedTicks() {
        return failedTicks;
    }
}
