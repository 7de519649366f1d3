package io.cdflow.agent;

/**
 * Waits for Cassandra's own shutdown hook (the thread {@value #HOOK_THREAD}, which drains the node: it flushes every
 * memtable) before the agent closes its buffers, so that the flushes and SSTables of the drain are still recorded
 * rather than dropped as "core not running". JVM shutdown hooks run concurrently and the JVM waits for all of them,
 * so this wait does not delay the exit. The thread is found by name: no Cassandra class is touched.
 */
final class CassandraDrainWait {
    static final String HOOK_THREAD = "StorageServiceShutdownHook";

    private CassandraDrainWait() {
    }

    /**
     * Joins Cassandra's shutdown hook thread for at most {@code timeoutMillis}; returns the milliseconds waited, or -1
     * when no such thread runs (not Cassandra, or it finished already).
     */
    static long await(long timeoutMillis) {
        Thread hook = find();
        if (hook == null) {
            return -1;
        }
        long start = System.nanoTime();
        try {
            hook.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static Thread find() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (HOOK_THREAD.equals(t.getName()) && t != Thread.currentThread() && t.isAlive()) {
                return t;
            }
        }
        return null;
    }
}
