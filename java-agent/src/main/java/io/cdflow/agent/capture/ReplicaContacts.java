package io.cdflow.agent.capture;

import java.util.Arrays;

/**
 * Per-thread scratch: how many replicas {@code sendToHintedReplicas} contacted for each mutation (by identity)
 * during the outermost StorageProxy call, so its exit can fill {@code replicas}.
 *
 * <p>Holds at most {@value #MAX_ENTRIES} mutations (further ones report 0). {@link #clear()} drops every
 * reference; the owner calls it at the outermost exit.
 */
final class ReplicaContacts {
    static final int MAX_ENTRIES = 1 << 16;

    private Object[] mutations = new Object[8];
    private int[] counts = new int[8];
    private int size;

    /** Adds {@code replicas} to the count of {@code mutation} (a mutation can be sent more than once). */
    void record(Object mutation, int replicas) {
        for (int i = size - 1; i >= 0; i--) {
            if (mutations[i] == mutation) {
                counts[i] += replicas;
                return;
            }
        }
        if (size == mutations.length) {
            if (size >= MAX_ENTRIES) {
                return;
            }
            mutations = Arrays.copyOf(mutations, size * 2);
            counts = Arrays.copyOf(counts, size * 2);
        }
        mutations[size] = mutation;
        counts[size] = replicas;
        size++;
    }

    /**
     * Replicas recorded for {@code mutation}, 0 if none. {@code hint} is where it is expected (the mutation's
     * index in the call's argument, which is the order they are sent in), making the usual lookup O(1).
     */
    int countFor(Object mutation, int hint) {
        if (hint >= 0 && hint < size && mutations[hint] == mutation) {
            return counts[hint];
        }
        for (int i = 0; i < size; i++) {
            if (mutations[i] == mutation) {
                return counts[i];
            }
        }
        return 0;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void clear() {
        if (size > 0) {
            Arrays.fill(mutations, 0, size, null);
            size = 0;
        }
    }
}
