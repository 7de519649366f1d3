package io.cdflow.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What the requests started in one phase (warm-up or measured) did; recorded from driver threads. */
final class Phase {
    private final Recorder latencyNanos = new Recorder(3);
    private final LongAdder ok = new LongAdder();
    private final LongAdder deletes = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
    private final AtomicLong lastAnswerNanos = new AtomicLong();
    private volatile String firstError;
    private volatile long startNanos;
    private volatile long startEpochMillis;

    void start(long nanos) {
        startNanos = nanos;
        startEpochMillis = System.currentTimeMillis();
    }

    /** Wall-clock start, so that a caller can line the phase up with its own samples (CPU, memory). */
    long startEpochMillis() {
        return startEpochMillis;
    }

    void succeeded(long latency, boolean delete, long now) {
        latencyNanos.recordValue(latency);
        ok.increment();
        if (delete) {
            deletes.increment();
        }
        lastAnswerNanos.accumulateAndGet(now, Math::max);
    }

    void failed(Throwable error, long now) {
        errors.increment();
        errorKinds.computeIfAbsent(error.getClass().getSimpleName(), k -> new LongAdder()).increment();
        if (firstError == null) {
            firstError = error.getClass().getSimpleName() + ": " + error.getMessage();
        }
        lastAnswerNanos.accumulateAndGet(now, Math::max);
    }

    long answered() {
        return ok.sum() + errors.sum();
    }

    long ok() {
        return ok.sum();
    }

    long deletes() {
        return deletes.sum();
    }

    long errors() {
        return errors.sum();
    }

    String firstError() {
        return firstError;
    }

    Map<String, Long> errorKinds() {
        Map<String, Long> kinds = new TreeMap<>();
        errorKinds.forEach((kind, count) -> kinds.put(kind, count.sum()));
        return kinds;
    }

    /** Seconds from the start of the phase to its last answer. */
    double seconds() {
        return (lastAnswerNanos.get() - startNanos) / 1e9;
    }

    /** The latencies recorded so far (call once, after the phase has drained). */
    Histogram latencies() {
        return latencyNanos.getIntervalHistogram();
    }
}
