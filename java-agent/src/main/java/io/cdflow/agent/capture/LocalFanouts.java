package io.cdflow.agent.capture;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Hands the id of a coordinator's MUTATION_REQ to its own local replica apply, which Cassandra often runs on a
 * MutationStage thread rather than the coordinator's: a fixed table of slots chosen by the mutation's identity
 * hash, written when the message is built and taken (compare-and-set to empty) by the local apply of the same
 * Mutation object.
 *
 * <p>Lock-free and bounded: {@value #SLOTS} slots, one small entry allocated per write. Only mutations whose
 * local replica is about to be applied are put (see {@link WriteCapture#replicasContacted}), so entries are taken
 * soon; one whose apply never comes (a local write dropped after its timeout) stays until another mutation takes
 * its slot. A collision overwrites an entry: that local apply then goes without an id (and joins on content).
 */
final class LocalFanouts {
    static final int SLOTS = 1024;
    private static final AtomicReferenceArray<Entry> TABLE = new AtomicReferenceArray<>(SLOTS);

    private LocalFanouts() {
    }

    private static final class Entry {
        final Object mutation;
        final long messageId;

        Entry(Object mutation, long messageId) {
            this.mutation = mutation;
            this.messageId = messageId;
        }
    }

    static void put(Object mutation, long messageId) {
        TABLE.set(slot(mutation), new Entry(mutation, messageId));
    }

    /** The id put for {@code mutation}, removed; -1 if there is none. */
    static long take(Object mutation) {
        int slot = slot(mutation);
        Entry e = TABLE.get(slot);
        if (e != null && e.mutation == mutation && TABLE.compareAndSet(slot, e, null)) {
            return e.messageId;
        }
        return -1;
    }

    private static int slot(Object mutation) {
        int h = System.identityHashCode(mutation);
        return (h ^ (h >>> 16)) & (SLOTS - 1);
    }
}
