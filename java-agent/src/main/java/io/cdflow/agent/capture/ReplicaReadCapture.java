package io.cdflow.agent.capture;

import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import io.cdflow.agent.wire.WireFormat;
import org.apache.cassandra.db.ReadCommand;
import org.apache.cassandra.db.SinglePartitionReadCommand;
import org.apache.cassandra.locator.InetAddressAndPort;
import org.apache.cassandra.net.Message;
import org.apache.cassandra.schema.TableMetadata;

/**
 * Replica reads: one {@code replica_read} row (tagged {@code events}) per read a replica executes for a
 * coordinator, with Cassandra's own count of what it iterated over.
 *
 * <ul>
 *   <li>{@link #remoteEnter}/{@link #exit}: {@code ReadCommandVerbHandler.doVerb(Message)} (READ_REQ, RANGE_REQ,
 *       on ReadStage): coordinator = the sender, message id.</li>
 *   <li>{@link #localEnter}/{@link #exit}: {@code StorageProxy.LocalReadRunnable.runMayThrow()}: the local replica
 *       of this node's own coordinator read (applied_locally = true, coordinator = this node, the request's
 *       identity when it runs on the request thread).</li>
 *   <li>{@link #closed}: exit of {@code ReadCommand$1MetricRecording.onClose()}, called once per
 *       {@code executeLocally} result when the handler above closes it, on the same thread:
 *       tombstones_scanned and live_rows as Cassandra counts them (tombstone warnings and histograms), latency
 *       from the start of the local execution. Emitted only for the frame's own command, so internal reads
 *       (system tables, paging, view builds, Paxos) are never reported.</li>
 * </ul>
 * Never throws into Cassandra.
 */
public final class ReplicaReadCapture {
    static final String KIND = "replica_read";

    private ReplicaReadCapture() {
    }

    /**
     * The read a replica read handler on this thread executes: its command and sender (Cassandra objects), held only
     * until the handler's exit ({@link #exit}; the command also until its one row is emitted).
     */
    static final class Frame {
        /** The ReadCommand (null outside a handler). */
        Object command;
        /** Its sender (remote) or null (local). */
        Object from;
        long messageId = -1;
        boolean local;

        void set(Object readCommand, Object sender, long id, boolean isLocal) {
            command = readCommand;
            from = sender;
            messageId = id;
            local = isLocal;
        }

        void clear() {
            command = null;
            from = null;
        }
    }

    /** Entry of {@code ReadCommandVerbHandler.doVerb(message)}. */
    public static boolean remoteEnter(Object message) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return false;
        }
        try {
            Frame f = CaptureThreadState.current().replicaRead;
            if (f.command != null) {
                return false;
            }
            Message<?> m = (Message<?>) message;
            f.set(m.payload, m.from(), m.id(), false);
            return true;
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
            return false;
        }
    }

    /** Entry of {@code LocalReadRunnable.runMayThrow()}, with the runnable's {@code command} field. */
    public static boolean localEnter(Object command) {
        if (CaptureRuntime.active() == null || command == null) {
            return false;
        }
        Frame f = CaptureThreadState.current().replicaRead;
        if (f.command != null) {
            return false;
        }
        f.set(command, null, -1, true);
        return true;
    }

    /** Exit of either handler (normal or exceptional). */
    public static void exit(boolean entered) {
        if (entered) {
            CaptureThreadState.current().replicaRead.clear();
        }
    }

    /**
     * Exit of {@code ReadCommand$1MetricRecording.onClose()}.
     *
     * @param command the recording's {@code this$0}
     * @param startNanos its {@code val$startTimeNanos}
     */
    public static void closed(Object command, int tombstones, int liveRows, long startNanos) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            CaptureThreadState st = CaptureThreadState.current();
            Frame frame = st.replicaRead;
            if (command == null || frame.command != command) {
                return;
            }
            frame.command = null; // one row per frame
            ReadCommand cmd = (ReadCommand) command;
            TableMetadata table = cmd.metadata();
            if (rt.skipsKeyspace(table.keyspace)) {
                return;
            }
            long latency = (System.nanoTime() - startNanos) / 1000;
            FieldWriter f = TaggedRows.start(rt, st, WireFormat.TABLE_EVENTS).fields;
            f.strIfPresent(FieldIds.KIND, rt.strings.idOf(KIND));
            f.strIfPresent(FieldIds.KEYSPACE, rt.strings.idOf(table.keyspace));
            f.strIfPresent(FieldIds.TABLE, rt.strings.idOf(table.name));
            if (frame.local) {
                TaggedRows.writeAppliedLocally(rt, st, f);
            } else {
                f.strIfPresent(FieldIds.COORDINATOR, NodeAddress.addressId(rt, (InetAddressAndPort) frame.from));
                f.i64(FieldIds.MESSAGE_ID, frame.messageId);
            }
            if (cmd instanceof SinglePartitionReadCommand) {
                TaggedRows.writeKey(f, ((SinglePartitionReadCommand) cmd).partitionKey());
            }
            f.bool(FieldIds.RANGE_SCAN, cmd.isRangeRequest());
            f.i64(FieldIds.TOMBSTONES_SCANNED, tombstones);
            f.i64(FieldIds.LIVE_ROWS, liveRows);
            if (latency >= 0) {
                f.i64(FieldIds.LATENCY_US, latency);
            }
            TraceSession.write(f);
            TaggedRows.emit(rt, st);
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }
}
