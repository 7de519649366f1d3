package io.cdflow.agent.capture;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Values handed from one thread to another, keyed by the identity of a Cassandra object both threads see (e.g. a
 * CounterMutation queued on another stage). Taken once; bounded: entries of work that never ran (a dropped
 * task) are forgotten when the map is full, so at most {@code capacity} references are ever held.
 */
final class IdentityHandoff<V> {
    private final Map<Object, V> entries = new IdentityHashMap<>();
    private final int capacity;

    IdentityHandoff(int capacity) {
        this.capacity = capacity;
    }

    synchronized void put(Object key, V value) {
        if (entries.size() >= capacity) {
            entries.clear();
        }
        entries.put(key, value);
    }

    /** The value put for {@code key} (removed), or null. */
    synchronized V take(Object key) {
        return entries.isEmpty() ? null : entries.remove(key);
    }

    synchronized int size() {
        return entries.size();
    }
}
