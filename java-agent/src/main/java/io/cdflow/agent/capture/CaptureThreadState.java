package io.cdflow.agent.capture;

import io.cdflow.agent.handoff.ThreadBuffer;
import io.cdflow.agent.handoff.ThreadBuffers;
import io.cdflow.agent.wire.MutationEvent;
import io.cdflow.agent.wire.TaggedEvent;

/**
 * Everything one Cassandra thread's hooks keep between calls, behind a single {@link ThreadLocal} lookup: one frame
 * per feature, the scratch records every feature builds its rows in, and the thread's buffer (cached).
 *
 * <p>Only the owning thread touches an instance. Each frame is a small class owned by its feature's capture class,
 * whose comment says what the frame holds and the hook exit (normal or exceptional) that drops it: a frame holds a
 * Cassandra object only while the hook frame that set it runs. The scratch records hold no Cassandra object between
 * hook calls ({@link MutationEmitter} drops the event's key after each emit; {@link TaggedRows#start} starts every
 * tagged record afresh).
 */
final class CaptureThreadState {
    private static final ThreadLocal<CaptureThreadState> CURRENT = ThreadLocal.withInitial(CaptureThreadState::new);

    /** Scratch for the event being built. */
    final MutationEvent event = new MutationEvent();
    /** Scratch for one PartitionUpdate's counts. */
    final MutationFacts facts = new MutationFacts();
    /** Scratch for the tagged record being built. */
    final TaggedEvent tagged = new TaggedEvent();

    /** The client connection whose request runs on this thread. */
    final SessionCapture.Frame session = new SessionCapture.Frame();
    /** The client request being executed on this thread (inactive outside one). */
    final RequestContext request = new RequestContext();
    /** The outermost StorageProxy write call on this thread. */
    final WriteCapture.Frame write = new WriteCapture.Frame();
    /** The client batch ({@code BatchStatement.execute}) on this thread. */
    final BatchCapture.Frame batch = new BatchCapture.Frame();
    /** The coordinator read (SELECT or StorageProxy read) running on this thread. */
    final CoordinatorRead read = new CoordinatorRead();
    /** The read a replica read handler on this thread executes. */
    final ReplicaReadCapture.Frame replicaRead = new ReplicaReadCapture.Frame();
    /** The {@code ColumnFamilyStore.switchMemtable} running on this thread. */
    final FlushCapture.Frame flush = new FlushCapture.Frame();
    /** The compaction task running on this thread (created on first use: compaction threads only). */
    CompactionCapture.Frame compaction;
    /** The {@code AuthResponse.execute} running on this thread. */
    final AuthCapture.Frame auth = new AuthCapture.Frame();
    /** The hint just created, or being received, on this thread. */
    final HintCapture.Frame hint = new HintCapture.Frame();
    /** The lightweight transaction ({@code StorageProxy.cas}) running on this thread. */
    final CasCapture.Frame cas = new CasCapture.Frame();
    /** Counter leader work on this thread. */
    final CounterCapture.Frame counter = new CounterCapture.Frame();
    /** The BATCH_STORE_REQ / BATCH_REMOVE_REQ handled on this thread. */
    final BatchlogCapture.Frame batchlog = new BatchlogCapture.Frame();

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
