package io.cdflow.bench;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** With {@code --progress N}: every N seconds, the answers per second of the current phase on stderr. */
final class Progress implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private volatile String name = "";
    private volatile Phase phase;
    private long lastAnswered;
    private long lastNanos = System.nanoTime();

    Progress(double everySeconds) {
        if (everySeconds <= 0) {
            timer = null;
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "loadgen-progress");
            t.setDaemon(true);
            return t;
        });
        long period = (long) (everySeconds * 1000);
        timer.scheduleAtFixedRate(this::print, period, period, TimeUnit.MILLISECONDS);
    }

    synchronized void watch(String name, Phase phase) {
        this.name = name;
        this.phase = phase;
        this.lastAnswered = 0;
        this.lastNanos = System.nanoTime();
    }

    private synchronized void print() {
        Phase current = phase;
        if (current == null) {
            return;
        }
        long now = System.nanoTime();
        long answered = current.answered();
        double rate = (answered - lastAnswered) / ((now - lastNanos) / 1e9);
        System.err.printf("[loadgen] %-8s %9.0f ops/s  errors %d%n", name, rate, current.errors());
        lastAnswered = answered;
        lastNanos = now;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
