package io.cdflow.agent.capture;

import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import io.cdflow.agent.wire.WireFormat;
import org.apache.cassandra.batchlog.Batch;
import org.apache.cassandra.locator.InetAddressAndPort;
import org.apache.cassandra.net.Message;
import org.apache.cassandra.utils.TimeUUID;

/**
 * Batchlog traffic of logged batches: one {@code batchlog_store} row per {@code BatchlogManager.store(Batch,
 * boolean)} and one {@code batchlog_remove} row per {@code BatchlogManager.remove(TimeUUID)}, on the node that
 * holds the batchlog entry, both with Cassandra's batchlog UUID (batchlog_id) so a store pairs with its remove.
 *
 * <ul>
 *   <li>The coordinator writes its own batchlog copy locally (on the request thread or MutationStage) and asks
 *       the other batchlog replicas with BATCH_STORE_REQ; it removes the entries when every mutation of the batch
 *       is acknowledged (locally and with BATCH_REMOVE_REQ, on whatever thread completes the batch).
 *       {@link #verbEnter}/{@link #verbExit} ({@code BatchStoreVerbHandler.doVerb},
 *       {@code BatchRemoveVerbHandler.doVerb}) mark remote ones: coordinator = the sender, message id.
 *       Local ones are applied_locally; a local store carries the client request's identity, handed over by
 *       {@link #writing} when it runs on MutationStage.</li>
 *   <li>For a client batch the batchlog UUID is also the batch_id of its coordinator_write rows
 *       ({@link BatchCapture}). Batchlog replay removes entries too (no coordinator), and materialized-view
 *       updates store local batchlog entries of their own.</li>
 * </ul>
 * The write to {@code system.batches} itself stays out of the write rows (system keyspaces are skipped).
 * Never throws into Cassandra.
 */
public final class BatchlogCapture {
    static final String STORE_KIND = "batchlog_store";
    static final String REMOVE_KIND = "batchlog_remove";
    /** Request identities for local stores that may run on MutationStage, keyed by the batchlog UUID object. */
    static final IdentityHandoff<RequestSnapshot> HANDOFF = new IdentityHandoff<>(1024);

    private BatchlogCapture() {
    }

    /** The BATCH_STORE_REQ / BATCH_REMOVE_REQ handled on this thread; held only until the handler's exit. */
    static final class Frame {
        /** The message (null outside the handler). */
        Object message;
    }

    /** Entry of {@code BatchStoreVerbHandler.doVerb(message)} or {@code BatchRemoveVerbHandler.doVerb(message)}. */
    public static boolean verbEnter(Object message) {
        if (CaptureRuntime.active() == null) {
            return false;
        }
        Frame f = CaptureThreadState.current().batchlog;
        if (f.message != null) {
            return false;
        }
        f.message = message;
        return true;
    }

    /** Exit of the same call (normal or exceptional). */
    public static void verbExit(boolean entered) {
        if (entered) {
            CaptureThreadState.current().batchlog.message = null;
        }
    }

    /**
     * {@code StorageProxy.syncWriteToBatchlog(mutations, plan, uuid, requestTime)} on the request thread: hands the
     * request's identity to this node's own store of {@code uuid} (the local Batch carries the same object).
     */
    static void writing(CaptureThreadState st, Object uuid) {
        RequestSnapshot request = RequestSnapshot.of(st.request);
        if (request != RequestSnapshot.NONE) {
            HANDOFF.put(uuid, request);
        }
    }

    /**
     * Exit of {@code syncWriteToBatchlog} (it waits for the stores): forgets the hand-off when this node held no
     * batchlog copy.
     */
    public static void written(Object uuid) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null || uuid == null) {
            return;
        }
        try {
            HANDOFF.take(uuid);
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /** Entry of {@code BatchlogManager.store(batch, durableWrites)}. */
    public static void stored(Object batchObject) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        boolean adopted = false;
        try {
            Batch batch = (Batch) batchObject;
            CaptureThreadState st = CaptureThreadState.current();
            RequestSnapshot handed = HANDOFF.take(batch.id);
            adopted = handed != null && handed.adoptInto(st.request);
            FieldWriter f = start(rt, st, STORE_KIND, batch.id, batch);
            f.i64(FieldIds.BATCHLOG_MUTATIONS, batch.size());
            TraceSession.write(f);
            TaggedRows.emit(rt, st);
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        } finally {
            if (adopted) {
                RequestContext.exit(true);
            }
        }
    }

    /** Entry of {@code BatchlogManager.remove(id)}. */
    public static void removed(Object id) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            CaptureThreadState st = CaptureThreadState.current();
            FieldWriter f = start(rt, st, REMOVE_KIND, (TimeUUID) id, id);
            TraceSession.write(f);
            TaggedRows.emit(rt, st);
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /**
     * Starts a row: kind, batchlog_id, and who asked: the sender of the verb handler's message when its payload is
     * {@code payload}, else this node (applied locally, with the request's identity if one is active).
     */
    private static FieldWriter start(CaptureRuntime rt, CaptureThreadState st, String kind, TimeUUID id,
                                     Object payload) {
        FieldWriter f = TaggedRows.start(rt, st, WireFormat.TABLE_EVENTS).fields;
        f.strIfPresent(FieldIds.KIND, rt.strings.idOf(kind));
        f.uuid(FieldIds.BATCHLOG_ID, id.msb(), id.lsb());
        Object m = st.batchlog.message;
        if (m instanceof Message && ((Message<?>) m).payload == payload) {
            Message<?> message = (Message<?>) m;
            f.strIfPresent(FieldIds.COORDINATOR, NodeAddress.addressId(rt, message.from()));
            f.i64(FieldIds.MESSAGE_ID, message.id());
        } else {
            TaggedRows.writeAppliedLocally(rt, st, f);
        }
        return f;
    }
}
