package io.cdflow.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Keeps up to {@code concurrency} requests in flight from one issuing thread: a request is sent as soon as a
 * slot is free (closed loop), or, with {@code --rate}, at its scheduled time. Latency runs from the scheduled
 * time (rate mode, so a stalled node shows up as latency instead of silently lowering the load) or from the
 * send (closed loop) to the response. Warm-up and measured requests are counted apart, each by its start.
 */
final class Runner {
    private static final long DRAIN_TIMEOUT_S = 60;

    private final CqlSession session;
    private final Workload workload;
    private final Options options;
    private final Semaphore slots;

    Runner(CqlSession session, Workload workload, Options options) {
        this.session = session;
        this.workload = workload;
        this.options = options;
        this.slots = new Semaphore(options.concurrency());
    }

    /** Runs the warm-up and then the measured phase; returns both after every request has answered. */
    Phase[] run(Progress progress) throws InterruptedException {
        Phase warmup = new Phase();
        Phase measured = new Phase();
        long began = System.nanoTime();
        progress.watch("warmup", warmup);
        issue(warmup, began, began + seconds(options.warmup()));
        long measuredStart = System.nanoTime();
        measured.start(measuredStart);
        progress.watch("measured", measured);
        issue(measured, measuredStart, measuredStart + seconds(options.duration()));
        if (!slots.tryAcquire(options.concurrency(), DRAIN_TIMEOUT_S, TimeUnit.SECONDS)) {
            throw new IllegalStateException("requests still in flight " + DRAIN_TIMEOUT_S + " s after the end");
        }
        slots.release(options.concurrency());
        return new Phase[] {warmup, measured};
    }

    private void issue(Phase phase, long from, long until) throws InterruptedException {
        long interval = options.rate() > 0 ? Math.max(1, (long) (1e9 / options.rate())) : 0;
        for (long n = 0; ; n++) {
            long now = System.nanoTime();
            long start = now;
            if (interval > 0) {
                start = from + n * interval;
                if (start > now) {
                    LockSupport.parkNanos(start - now);
                }
            }
            if (start >= until || System.nanoTime() >= until) {
                return;
            }
            long wait = until - System.nanoTime();
            if (!slots.tryAcquire(Math.max(wait, 0), TimeUnit.NANOSECONDS)) {
                return;
            }
            send(phase, interval > 0 ? start : System.nanoTime());
        }
    }

    private void send(Phase phase, long startNanos) {
        Workload.Request request = workload.next();
        CompletionStage<AsyncResultSet> response;
        try {
            response = session.executeAsync(request.statement());
        } catch (RuntimeException e) {
            phase.failed(e, System.nanoTime());
            slots.release();
            return;
        }
        response.whenComplete((rows, error) -> {
            long end = System.nanoTime();
            if (error == null) {
                phase.succeeded(end - startNanos, request.delete(), end);
            } else {
                phase.failed(error, end);
            }
            slots.release();
        });
    }

    private static long seconds(double s) {
        return (long) (s * 1e9);
    }
}
