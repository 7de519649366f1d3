package io.cdflow.agent.capture;

import java.util.Arrays;

/**
 * Per-thread scratch: how many replicas {@code sendToHintedReplicas} contacted for each mutation (by identity)
 * during the outermost StorageProxy call, and the id of the MUTATION_REQ message sent to its remote replicas, so
 * its exit can fill {@code replicas} and {@code out_message_id}.
 *
 * <p>Holds at most {@value #MAX_ENTRIES} mutations (further ones report 0). {@link #clear()} drops every
 * reference; the owner calls it at the outermost exit.
 */
final class ReplicaContacts {
    static final int MAX_ENTRIES = 1 << 16;

    private Object[] mutations = new Object[8];
    private int[] counts = new int[8];
    private long[] messageIds = new long[8];
    private int size;

    /** Adds {@code replicas} to the count of {@code mutation} (a mutation can be sent more than once). */
    void record(Object mutation, int replicas) {
        int i = indexOf(mutation);
        if (i >= 0) {
            counts[i] += replicas;
        }
    }

    /**
     * Records the id of a message carrying {@code mutation} to a remote replica. Cassandra sends one message (one
     * id) to every remote replica of one {@code sendToHintedReplicas} call; the first id recorded is kept.
     */
    void recordMessage(Object mutation, long messageId) {
        int i = indexOf(mutation);
        if (i >= 0 && messageIds[i] < 0) {
            messageIds[i] = messageId;
        }
    }

    /** The entry of {@code mutation}, added (count 0, no message) if absent; -1 when full. */
    private int indexOf(Object mutation) {
        for (int i = size - 1; i >= 0; i--) {
            if (mutations[i] == mutation) {
                return i;
            }
        }
        if (size == mutations.length) {
            if (size >= MAX_ENTRIES) {
                return -1;
            }
            mutations = Arrays.copyOf(mutations, size * 2);
            counts = Arrays.copyOf(counts, size * 2);
            messageIds = Arrays.copyOf(messageIds, size * 2);
        }
        mutations[size] = mutation;
        counts[size] = 0;
        messageIds[size] = -1;
        return size++;
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

    /** The message id recorded for {@code mutation} (see {@link #countFor} for {@code hint}), -1 if none. */
    long messageIdFor(Object mutation, int hint) {
        if (hint >= 0 && hint < size && mutations[hint] == mutation) {
            return messageIds[hint];
        }
        for (int i = 0; i < size; i++) {
            if (mutations[i] == mutation) {
                return messageIds[i];
            }
        }
        return -1;
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
