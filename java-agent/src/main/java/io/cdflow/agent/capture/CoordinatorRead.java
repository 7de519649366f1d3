package io.cdflow.agent.capture;

import io.cdflow.agent.wire.WireFormat;
import java.util.Arrays;

/**
 * {@link ReadCapture}'s frame: one coordinator read (a SELECT, or a StorageProxy read outside one) on this thread,
 * what the StorageProxy calls inside it read, how long they took, the distinct replicas they contacted. Holds at most
 * one Cassandra object (the single partition's key) and the replica addresses, all dropped by {@link #reset()} at the
 * SELECT's exit (or the standalone StorageProxy read's).
 */
final class CoordinatorRead {
    static final int MAX_REPLICAS = 64;

    /** Nesting depth of {@code SelectStatement.execute} (the frame is open while > 0). */
    int selectDepth;
    /** Nesting depth of {@code StorageProxy.read}. */
    int spDepth;
    /** StorageProxy read calls recorded in this frame. */
    int calls;
    boolean skip;
    int keyspace;
    int table;
    int consistency = WireFormat.CONSISTENCY_UNKNOWN;
    boolean range;
    /** Partitions the single-partition calls read. */
    long partitions;
    /** The DecoratedKey while exactly one partition was read, else null. */
    Object key;
    long latencyNanos;
    /** System.nanoTime() of the open range read's start (0: none open). */
    long rangeStartNanos;
    Throwable spError;

    private final Object[] replicas = new Object[MAX_REPLICAS];
    private int replicaCount;

    /** Whether sends and local reads on this thread belong to a read being recorded. */
    boolean collecting() {
        return selectDepth > 0 || spDepth > 0;
    }

    /** Counts {@code endpoint} once (equals). */
    void addReplica(Object endpoint) {
        for (int i = 0; i < replicaCount; i++) {
            if (replicas[i].equals(endpoint)) {
                return;
            }
        }
        if (replicaCount < MAX_REPLICAS) {
            replicas[replicaCount++] = endpoint;
        }
    }

    int replicaCount() {
        return replicaCount;
    }

    /** Forgets everything but the depths. */
    void reset() {
        calls = 0;
        skip = false;
        keyspace = table = 0;
        consistency = WireFormat.CONSISTENCY_UNKNOWN;
        range = false;
        partitions = 0;
        key = null;
        latencyNanos = 0;
        rangeStartNanos = 0;
        spError = null;
        Arrays.fill(replicas, 0, replicaCount, null);
        replicaCount = 0;
    }
}
