package io.cdflow.agent.nativecore;

import java.nio.ByteBuffer;

/**
 * Every native method of the Rust core ({@code libcdflow_jni.so}, crate {@code cdflow-jni}); docs/native-interface.md
 * is the contract.
 *
 * <p>No native method throws a Java exception. Call none of them before {@link NativeLibraryLoader} reported the
 * library loaded. Buffers are direct and little-endian, holding wire-format batches (docs/wire-format.md).
 */
public final class NativeCore {
    /** Return values of {@link #submit}. */
    public static final int SUBMIT_ACCEPTED = 0;
    public static final int SUBMIT_QUEUE_FULL = 1;
    public static final int SUBMIT_NOT_RUNNING = 2;
    public static final int SUBMIT_INTERNAL_ERROR = 3;

    /**
     * Names of the values of {@link #counters()}, in order (docs/native-interface.md; meanings: docs/schema.md,
     * {@code agent_stats}). New counters are appended, never inserted.
     */
    public static final String[] COUNTER_NAMES = {
        "offered", "accepted", "dropped_queue_full", "rejected", "written", "files", "skipped_records",
        "agent_events_seen", "agent_dropped", "skipped_fields", "dropped_write_failed", "dropped_disk_bound",
        "removed_rows", "removed_files", "recovered_rows", "agent_dropped_busy", "agent_dropped_not_running",
        "agent_dropped_submit_error", "agent_dropped_other",
    };
    /** Indexes into {@link #counters()}. */
    public static final int COUNTER_OFFERED = 0;
    public static final int COUNTER_ACCEPTED = 1;
    public static final int COUNTER_DROPPED_QUEUE_FULL = 2;
    public static final int COUNTER_REJECTED = 3;
    public static final int COUNTER_WRITTEN = 4;
    public static final int COUNTER_FILES = 5;
    public static final int COUNTER_SKIPPED_RECORDS = 6;
    public static final int COUNTER_AGENT_EVENTS_SEEN = 7;
    public static final int COUNTER_AGENT_DROPPED = 8;
    /** Fields of known records the core did not know (a newer agent's) and skipped. */
    public static final int COUNTER_SKIPPED_FIELDS = 9;
    /** Event rows lost to a failed write. */
    public static final int COUNTER_DROPPED_WRITE_FAILED = 10;
    /** Events refused by the disk bounds. */
    public static final int COUNTER_DROPPED_DISK_BOUND = 11;
    /** Rows (already counted as written) that retention deleted, and their files. */
    public static final int COUNTER_REMOVED_ROWS = 12;
    public static final int COUNTER_REMOVED_FILES = 13;
    /** Rows written from journal segments a crashed run left. */
    public static final int COUNTER_RECOVERED_ROWS = 14;
    /** The agent's drops per cause, as last reported by {@link #reportAgentCounters}. */
    public static final int COUNTER_AGENT_DROPPED_BUSY = 15;
    public static final int COUNTER_AGENT_DROPPED_NOT_RUNNING = 16;
    public static final int COUNTER_AGENT_DROPPED_SUBMIT_ERROR = 17;
    public static final int COUNTER_AGENT_DROPPED_OTHER = 18;

    private NativeCore() {
    }

    /** Starts the core; {@code options} is key, value, key, value, ... Returns null on success, else an error. */
    public static native String start(String[] options);

    /** Applies a batch of STRING_DEF records synchronously; null on success, else an error. */
    public static native String define(ByteBuffer batch, int length);

    /** Offers a batch of {@code eventCount} events; returns one of the {@code SUBMIT_*} codes. */
    public static native int submit(ByteBuffer batch, int length, int eventCount);

    /**
     * Reports the Java side's absolute totals: events handed to the encoder, and events dropped before the core saw
     * them, per cause (owner found its buffer's flag held; core not running; submit failed; encoding failed or left
     * in a buffer at shutdown).
     */
    public static native void reportAgentCounters(long eventsSeen, long droppedBusy, long droppedNotRunning,
            long droppedSubmitError, long droppedOther);

    /**
     * Records the hook families installed ({@code families[0]}, {@code +}-separated, {@code none} when none) and
     * skipped with why ({@code families[1]}, {@code family: reason; ...}, empty when none) for the {@code
     * agent_stats} columns {@code hook_families} and {@code skipped_hook_families}. Returns {@code null} or an error.
     */
    public static native String recordHookFamilies(String[] families);

    /** The core's counters, in the order of {@link #COUNTER_NAMES}. */
    public static native long[] counters();

    /** Drains and closes everything; null on success, else an error. Idempotent. */
    public static native String shutdown(long timeoutMillis);

    /** "name=value name=value ..." of a {@link #counters()} result, for log lines. */
    public static String describeCounters(long[] values) {
        if (values == null) {
            return "core counters unavailable";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(i < COUNTER_NAMES.length ? COUNTER_NAMES[i] : "counter" + i).append('=').append(values[i]);
        }
        return sb.toString();
    }
}
