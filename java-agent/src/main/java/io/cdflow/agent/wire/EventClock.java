package io.cdflow.agent.wire;

/**
 * Wall-clock microseconds since the epoch without allocating: a wall-clock base plus the {@link System#nanoTime()}
 * elapsed since it.
 *
 * <p>{@link #rebase()} (called by the flusher about once a second) re-reads the wall clock so the value follows
 * clock adjustments; between rebases the clock is monotonic. The base is one immutable object behind a volatile
 * field, so readers always see a consistent pair.
 */
public final class EventClock {
    private static final class Base {
        final long wallMicros;
        final long nanos;

        Base(long wallMicros, long nanos) {
            this.wallMicros = wallMicros;
            this.nanos = nanos;
        }
    }

    private static volatile Base base = newBase();

    private EventClock() {
    }

    /** Microseconds since 1970-01-01T00:00:00Z. */
    public static long nowMicros() {
        return microsAt(System.nanoTime());
    }

    /**
     * Wall-clock microseconds of the instant {@code nanoTime} (a recent {@link System#nanoTime()} value): lets a
     * caller that already read the clock stamp an event without reading it again.
     */
    public static long microsAt(long nanoTime) {
        Base b = base;
        return b.wallMicros + (nanoTime - b.nanos) / 1000;
    }

    /** Re-reads the wall clock. */
    public static void rebase() {
        base = newBase();
    }

    private static Base newBase() {
        java.time.Instant now = java.time.Instant.now();
        long nanos = System.nanoTime();
        return new Base(now.getEpochSecond() * 1_000_000L + now.getNano() / 1000, nanos);
    }
}
