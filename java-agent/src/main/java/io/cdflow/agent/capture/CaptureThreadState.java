package io.cdflow.agent.capture;

import io.cdflow.agent.handoff.ThreadBuffer;
import io.cdflow.agent.handoff.ThreadBuffers;
import io.cdflow.agent.wire.MutationEvent;

/**
 * Everything one Cassandra thread's hooks keep between calls, behind a single {@link ThreadLocal} lookup.
 *
 * <p>Invariants: only the owning thread touches an instance; no field holds a Cassandra object once the hook that
 * set it returned (the request context is reset at request exit, the contacts scratch at the outermost
 * StorageProxy exit, the event's key reference after each emit).
 */
final class CaptureThreadState {
    private static final ThreadLocal<CaptureThreadState> CURRENT = ThreadLocal.withInitial(CaptureThreadState::new);

    /** The client request being executed on this thread (inactive outside one). */
    final RequestContext request = new RequestContext();
    /** Replicas contacted per mutation during the outermost StorageProxy call. */
    final ReplicaContacts contacts = new ReplicaContacts();
    /** Scratch for the event being built. */
    final MutationEvent event = new MutationEvent();
    /** Scratch for one PartitionUpdate's counts. */
    final MutationFacts facts = new MutationFacts();

    /** Nesting depth of hooked StorageProxy write methods on this thread. */
    int coordinatorDepth;
    /** System.nanoTime() at entry of the outermost StorageProxy write method. */
    long coordinatorStartNanos;

    private ThreadBuffers buffersOwner;
    private ThreadBuffer buffer;

    static CaptureThreadState current() {
        return CURRENT.get();
    }

    /** This thread's buffer in {@code buffers}, cached. */
    ThreadBuffer buffer(ThreadBuffers buffers) {
        if (buffers != buffersOwner) {
            buffer = buffers.current();
            buffersOwner = buffers;
        }
        return buffer;
    }
}
