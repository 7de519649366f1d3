package io.cdflow.agent.capture;

import io.cdflow.agent.handoff.ThreadBuffer;
import io.cdflow.agent.handoff.ThreadBuffers;
import io.cdflow.agent.wire.MutationEvent;
import io.cdflow.agent.wire.TaggedEvent;

/**
 * Everything one Cassandra thread's hooks keep between calls, behind a single {@link ThreadLocal} lookup.
 *
 * <p>Invariants: only the owning thread touches an instance; a field holds a Cassandra object only while the hook
 * frame that set it runs, and the frame's exit (normal or exceptional) drops it: the request context and session
 * at request exit, the contacts scratch at the outermost StorageProxy exit, the event's key after each emit, the
 * coordinator read's key and replicas at the SELECT's (or standalone StorageProxy read's) exit, the replica read's
 * command and sender at the handler's exit, the flush reason at {@code switchMemtable}'s exit, the compaction's
 * SSTable readers at the task's exit, the attempted user name at {@code AuthResponse.execute}'s exit, the LWT's key and proposal at
 * {@code StorageProxy.cas}' exit, the counter and batchlog messages at their handlers' exit.
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
    /** Scratch for the tagged record being built. */
    final TaggedEvent tagged = new TaggedEvent();

    /** Interned session id of the client connection whose request runs on this thread (0 = none). */
    int sessionId;

    /** Nesting depth of client batches ({@code BatchStatement.execute}) on this thread. */
    int batchDepth;
    /** The running batch's id (a UUID, as two longs). */
    long batchMsb;
    long batchLsb;
    /** The coordinator read (SELECT or StorageProxy read) running on this thread. */
    final CoordinatorRead read = new CoordinatorRead();

    /** The ReadCommand a replica read handler on this thread executes (null outside one). */
    Object replicaCommand;
    /** Its sender (remote) or null (local). */
    Object replicaFrom;
    long replicaMessageId = -1;
    boolean replicaLocal;

    /** FlushReason of the {@code ColumnFamilyStore.switchMemtable} running on this thread (null outside). */
    Object flushReason;
    /** The compaction task running on this thread (created on first use, compaction threads only). */
    CompactionCapture.Frame compaction;

    /** Whether an {@code AuthResponse.execute} runs on this thread, and the user name it attempts. */
    boolean authActive;
    String authUser;

    /**
     * The hint the last {@code Hint.create} on this thread returned, with its mutation and creation time (ms),
     * until the {@code HintsService.write} that follows it (a create without a write keeps one hint referenced
     * until the thread's next create).
     */
    Object hintCreated;
    Object hintMutation;
    long hintCreationTime;
    /** Sender of the hint whose {@code HintVerbHandler.doVerb} runs on this thread (null outside). */
    Object hintSender;

    /** Scratch for counting a batch's distinct tables. */
    final BatchCapture.TableSet batchTables = new BatchCapture.TableSet();

    /**
     * The mutation whose {@code sendToHintedReplicas} runs on this thread and will apply it on this node, until the
     * message for its remote replicas is built (or the outermost StorageProxy exit).
     */
    Object localReplicaMutation;

    /** Nesting depth of hooked StorageProxy write methods on this thread. */
    int coordinatorDepth;
    /** System.nanoTime() at entry of the outermost StorageProxy write method. */
    long coordinatorStartNanos;

    /** The lightweight transaction ({@code StorageProxy.cas}) running on this thread. */
    final CasCapture.Frame cas = new CasCapture.Frame();
    /** Counter leader work on this thread. */
    final CounterCapture.Frame counter = new CounterCapture.Frame();
    /** The BATCH_STORE_REQ / BATCH_REMOVE_REQ handled on this thread (null outside the handler). */
    Object batchlogMessage;

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
