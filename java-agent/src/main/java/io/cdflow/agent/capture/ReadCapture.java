package io.cdflow.agent.capture;

import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import io.cdflow.agent.wire.WireFormat;
import java.util.List;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.db.DecoratedKey;
import org.apache.cassandra.db.PartitionRangeReadCommand;
import org.apache.cassandra.db.SinglePartitionReadCommand;
import org.apache.cassandra.net.Message;
import org.apache.cassandra.net.Verb;
import org.apache.cassandra.schema.TableMetadata;
import org.apache.cassandra.transport.messages.ResultMessage;
import org.apache.cassandra.utils.FBUtilities;

/**
 * Coordinator reads: one {@code coordinator_read} row (tagged {@code events}) per SELECT, and per StorageProxy
 * single-partition read done outside a SELECT (LWT precondition reads, list read-before-write).
 *
 * <ul>
 *   <li>{@link #selectEnter}/{@link #selectExit}: the non-bridge {@code SelectStatement.execute(QueryState,
 *       QueryOptions, RequestTime)}, which returns {@code ResultMessage.Rows}: the frame, and rows_returned. A
 *       SELECT that reached no StorageProxy read (virtual tables) emits nothing.</li>
 *   <li>{@link #singleEnter}/{@link #singleExit}: {@code StorageProxy.read(SinglePartitionReadCommand.Group,
 *       ConsistencyLevel, RequestTime)}: table, consistency, partitions (token and key when exactly one),
 *       latency = its duration (outermost call only).</li>
 *   <li>{@link #rangeStarted}: {@code StorageProxy.getRangeSlice(PartitionRangeReadCommand, ConsistencyLevel,
 *       RequestTime)} inside a SELECT: range_scan; the returned iterator is lazy, so the latency runs until
 *       {@link #rangeClosed} ({@code RangeCommandIterator.close()}) or the SELECT's exit.</li>
 *   <li>{@link #readSent} ({@code MessagingService.sendWithCallback}, verbs READ_REQ and RANGE_REQ) and
 *       {@link #localReadCreated} ({@code StorageProxy.LocalReadRunnable}'s constructor): replicas = distinct
 *       endpoints contacted (this node for a local read; data, digest, speculative and read-repair reads).</li>
 * </ul>
 * Everything runs on the request thread. Identity as on writes (when a client request is active); system
 * keyspaces are skipped unless include_system_keyspaces. Never throws into Cassandra.
 */
public final class ReadCapture {
    static final String KIND = "coordinator_read";

    private ReadCapture() {
    }

    /** Entry of {@code SelectStatement.execute}. */
    public static boolean selectEnter() {
        if (CaptureRuntime.active() == null) {
            return false;
        }
        CoordinatorRead r = CaptureThreadState.current().read;
        if (r.selectDepth++ <= 0) {
            r.selectDepth = 1;
            r.reset();
        }
        return true;
    }

    /** Exit of {@code SelectStatement.execute} (normal or exceptional). */
    public static void selectExit(Object result, Throwable thrown, boolean entered) {
        if (!entered) {
            return;
        }
        CaptureThreadState st = CaptureThreadState.current();
        CoordinatorRead r = st.read;
        if (--r.selectDepth > 0) {
            return;
        }
        r.selectDepth = 0;
        CaptureRuntime rt = CaptureRuntime.active();
        try {
            if (rt != null && r.calls > 0 && !r.skip) {
                if (r.rangeStartNanos != 0) {
                    r.latencyNanos += System.nanoTime() - r.rangeStartNanos;
                }
                long rows = thrown == null && result instanceof ResultMessage.Rows
                        ? ((ResultMessage.Rows) result).result.size() : -1;
                emit(rt, st, r, rows, thrown != null ? thrown : r.spError);
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        } finally {
            r.reset();
        }
    }

    /**
     * Entry of {@code StorageProxy.read(group, consistency, requestTime)}.
     *
     * @return System.nanoTime(), or -1 when not counted (pass it to {@link #singleExit})
     */
    public static long singleEnter() {
        if (CaptureRuntime.active() == null) {
            return -1;
        }
        CaptureThreadState.current().read.spDepth++;
        return System.nanoTime();
    }

    /** Exit of {@code StorageProxy.read} (normal or exceptional). */
    public static void singleExit(Object group, Object consistency, Throwable thrown, long startNanos) {
        if (startNanos == -1) {
            return;
        }
        long now = System.nanoTime();
        CaptureThreadState st = CaptureThreadState.current();
        CoordinatorRead r = st.read;
        if (--r.spDepth > 0) {
            return;
        }
        r.spDepth = 0;
        CaptureRuntime rt = CaptureRuntime.active();
        boolean standalone = r.selectDepth <= 0;
        try {
            if (rt == null) {
                return;
            }
            List<?> queries = ((SinglePartitionReadCommand.Group) group).queries;
            SinglePartitionReadCommand first = (SinglePartitionReadCommand) queries.get(0);
            record(rt, r, first.metadata(), consistency);
            r.latencyNanos += now - startNanos;
            r.partitions += queries.size();
            DecoratedKey key = first.partitionKey();
            if (r.partitions == 1) {
                r.key = key;
            } else {
                r.key = null;
            }
            if (thrown != null) {
                r.spError = thrown;
            }
            if (standalone && !r.skip) {
                emit(rt, st, r, -1, thrown);
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        } finally {
            if (standalone) {
                r.reset();
            }
        }
    }

    /** Entry of {@code StorageProxy.getRangeSlice(command, consistency, requestTime)}. */
    public static void rangeStarted(Object command, Object consistency) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            CoordinatorRead r = CaptureThreadState.current().read;
            if (r.selectDepth <= 0) {
                return;
            }
            record(rt, r, ((PartitionRangeReadCommand) command).metadata(), consistency);
            r.range = true;
            r.key = null;
            long now = System.nanoTime();
            if (r.rangeStartNanos != 0) {
                r.latencyNanos += now - r.rangeStartNanos;
            }
            r.rangeStartNanos = now;
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /** Exit of {@code RangeCommandIterator.close()}. */
    public static void rangeClosed() {
        if (CaptureRuntime.active() == null) {
            return;
        }
        CoordinatorRead r = CaptureThreadState.current().read;
        if (r.selectDepth > 0 && r.rangeStartNanos != 0) {
            r.latencyNanos += System.nanoTime() - r.rangeStartNanos;
            r.rangeStartNanos = 0;
        }
    }

    /** Entry of {@code MessagingService.sendWithCallback(message, to, callback, connectionType)}. */
    public static void readSent(Object message, Object to) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            Verb verb = ((Message<?>) message).verb();
            if (verb != Verb.READ_REQ && verb != Verb.RANGE_REQ) {
                return;
            }
            CoordinatorRead r = CaptureThreadState.current().read;
            if (r.collecting() && to != null) {
                r.addReplica(to);
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /** Construction of a {@code StorageProxy.LocalReadRunnable}: this node reads locally. */
    public static void localReadCreated() {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            CoordinatorRead r = CaptureThreadState.current().read;
            if (r.collecting()) {
                r.addReplica(FBUtilities.getBroadcastAddressAndPort());
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /** Records table and consistency of the first StorageProxy call of the frame. */
    private static void record(CaptureRuntime rt, CoordinatorRead r, TableMetadata table, Object consistency) {
        if (r.calls++ == 0) {
            r.skip = rt.skipsKeyspace(table.keyspace);
            r.keyspace = rt.strings.idOf(table.keyspace);
            r.table = rt.strings.idOf(table.name);
            r.consistency = consistency instanceof ConsistencyLevel
                    ? ((ConsistencyLevel) consistency).code : WireFormat.CONSISTENCY_UNKNOWN;
        }
    }

    private static void emit(CaptureRuntime rt, CaptureThreadState st, CoordinatorRead r, long rowsReturned,
                             Throwable error) {
        FieldWriter f = TaggedRows.start(rt, st, WireFormat.TABLE_EVENTS).fields;
        f.strIfPresent(FieldIds.KIND, rt.strings.idOf(KIND));
        f.strIfPresent(FieldIds.KEYSPACE, r.keyspace);
        f.strIfPresent(FieldIds.TABLE, r.table);
        st.request.writeIdentity(f);
        if (r.consistency != WireFormat.CONSISTENCY_UNKNOWN) {
            f.i64(FieldIds.CONSISTENCY, r.consistency);
        }
        f.strIfPresent(FieldIds.COORDINATOR, NodeAddress.nodeId(rt));
        if (!r.range && r.key instanceof DecoratedKey) {
            TaggedRows.writeKey(f, (DecoratedKey) r.key);
        }
        f.bool(FieldIds.RANGE_SCAN, r.range);
        if (rowsReturned >= 0) {
            f.i64(FieldIds.ROWS_RETURNED, rowsReturned);
        }
        f.i64(FieldIds.LATENCY_US, r.latencyNanos / 1000);
        f.i64(FieldIds.REPLICAS, r.replicaCount());
        TaggedRows.writeError(rt, f, error);
        TraceSession.write(f);
        TaggedRows.emit(rt, st);
    }
}
