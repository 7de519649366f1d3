package io.cdflow.agent.handoff;

import io.cdflow.agent.nativecore.NativeCore;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Java side's drop and submit counters (events seen are counted per buffer, see {@link ThreadBuffer}).
 *
 * <p>The four {@code dropped*} counters are what {@code reportAgentCounters} receives, per cause: events the core
 * never counted ({@link #droppedInAgent()} is their sum). Events the core refused with {@code SUBMIT_QUEUE_FULL} are
 * already counted by the core ({@code dropped_queue_full}); they are kept in {@link #coreQueueFull} for log lines
 * only.
 */
public final class HandoffCounters {
    /** The owner could not take its buffer's flag within a bounded spin (its holder was descheduled mid-swap). */
    final LongAdder droppedBusy = new LongAdder();
    /** The core was not running (not started yet, stopped, or {@code SUBMIT_NOT_RUNNING}). */
    final LongAdder droppedNotRunning = new LongAdder();
    /** {@code SUBMIT_INTERNAL_ERROR}, or the submit call itself failed. */
    final LongAdder droppedSubmitError = new LongAdder();
    /** Encoding failed, or the event was still in a buffer that could not be flushed at shutdown. */
    final LongAdder droppedOther = new LongAdder();
    /** Refused by the core with {@code SUBMIT_QUEUE_FULL} (counted by the core, not in {@link #droppedInAgent}). */
    final LongAdder coreQueueFull = new LongAdder();
    final LongAdder batchesSubmitted = new LongAdder();
    /**
     * Batches submitted while an earlier batch of the same thread was still in flight (its submitter was
     * descheduled mid-call): nothing is lost, but the two may reach the core in either order.
     */
    final LongAdder submittedOutOfTurn = new LongAdder();

    /** Events dropped before the core counted them. */
    public long droppedInAgent() {
        return droppedBusy.sum() + droppedNotRunning.sum() + droppedSubmitError.sum() + droppedOther.sum();
    }

    public long droppedBusy() {
        return droppedBusy.sum();
    }

    public long droppedNotRunning() {
        return droppedNotRunning.sum();
    }

    public long droppedSubmitError() {
        return droppedSubmitError.sum();
    }

    public long droppedOther() {
        return droppedOther.sum();
    }

    public long coreQueueFull() {
        return coreQueueFull.sum();
    }

    public long batchesSubmitted() {
        return batchesSubmitted.sum();
    }

    public long submittedOutOfTurn() {
        return submittedOutOfTurn.sum();
    }

    /** Counts one submit's outcome for its {@code eventCount} events. */
    void countSubmit(int result, int eventCount) {
        batchesSubmitted.increment();
        switch (result) {
            case NativeCore.SUBMIT_ACCEPTED:
                break;
            case NativeCore.SUBMIT_QUEUE_FULL:
                coreQueueFull.add(eventCount);
                break;
            case NativeCore.SUBMIT_NOT_RUNNING:
                droppedNotRunning.add(eventCount);
                break;
            default:
                droppedSubmitError.add(eventCount);
                break;
        }
    }
}
