package io.cdflow.agent.capture;

import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import io.cdflow.agent.wire.WireFormat;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.db.DecoratedKey;
import org.apache.cassandra.db.partitions.PartitionUpdate;
import org.apache.cassandra.schema.TableMetadata;
import org.apache.cassandra.service.paxos.Commit;
import org.apache.cassandra.service.paxos.Paxos;

/**
 * Lightweight transactions: one {@code cas} row (tagged {@code events}) per {@code StorageProxy.cas} on the
 * coordinator, and one {@code paxos_commit} row per LWT write a replica applies.
 *
 * <ul>
 *   <li>{@link #enter}/{@link #exit}: {@code StorageProxy.cas(keyspace, table, key, request, serialCL, commitCL,
 *       clientState, nowInSeconds, requestTime)}, the entry of both Paxos variants: the frame, cas_applied (the
 *       call returned null; NULL when it threw), latency, error, identity of the request on this thread.</li>
 *   <li>Phases, counted inside the frame (same thread): {@link #prepared} (v1 {@code preparePaxos}, v2
 *       {@code PaxosPrepare.prepareWithBallot} and {@code PaxosCommitAndPrepare.commitAndPrepare}),
 *       {@link #proposed} (v1 {@code proposePaxos}, v2 {@code PaxosPropose.propose}; the ballot of this
 *       request's own proposal becomes paxos_ballot), {@link #committed} (v1 {@code commitPaxos}, v2
 *       {@code PaxosCommit.commit}) and {@link #contended} (v1 {@code recordCasContention}: the total; v2
 *       {@code ContentionStrategy.waitForContention}: the attempt number): paxos_attempts = contentions + 1.
 *       Rounds that finish another request's in-progress proposal are counted too.</li>
 *   <li>{@link #applied}: exit of {@code PaxosState.applyCommit(commit, state, postCommit)}, where every replica
 *       (v1 and v2, local or remote) writes a committed proposal to the table, bypassing {@code Mutation.apply()}:
 *       a {@code paxos_commit} row with the ballot (joins the coordinator's cas row) and the update's counts.
 *       When this node coordinated the LWT it is marked applied_locally and carries the request's identity
 *       (handed over by {@link #committed}, as the local apply may run on MutationStage).</li>
 * </ul>
 * System keyspaces are skipped unless include_system_keyspaces. Never throws into Cassandra.
 */
public final class CasCapture {
    static final String KIND = "cas";
    static final String COMMIT_KIND = "paxos_commit";
    /**
     * Commits this node coordinates, to its own apply of them: the request's identity. Bounded (a commit this node
     * does not replicate is never taken).
     */
    static final IdentityHandoff<RequestSnapshot> HANDOFF = new IdentityHandoff<>(1024);

    private CasCapture() {
    }

    /**
     * Entry of {@code StorageProxy.cas}.
     *
     * @return whether a frame was started (pass it to {@link #exit})
     */
    public static boolean enter(Object keyspace, Object table, Object key, Object serial, Object commit) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return false;
        }
        try {
            Frame f = CaptureThreadState.current().cas;
            if (f.active || rt.skipsKeyspace((String) keyspace)) {
                return false;
            }
            f.start(rt, (String) keyspace, (String) table, key, serial, commit, Paxos.useV2());
            return true;
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
            return false;
        }
    }

    /** Exit of {@code StorageProxy.cas} (normal or exceptional). */
    public static void exit(Object result, Throwable thrown, boolean entered) {
        if (!entered) {
            return;
        }
        long end = System.nanoTime();
        CaptureThreadState st = CaptureThreadState.current();
        Frame frame = st.cas;
        CaptureRuntime rt = CaptureRuntime.active();
        try {
            if (rt != null && frame.active) {
                emit(rt, st, frame, thrown == null ? (result == null ? 1 : 0) : -1, thrown, end);
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        } finally {
            frame.clear();
        }
    }

    /** A Paxos prepare (or commit-and-prepare) round starts. */
    public static void prepared() {
        if (CaptureRuntime.active() != null) {
            Frame f = CaptureThreadState.current().cas;
            if (f.active) {
                f.prepares++;
            }
        }
    }

    /**
     * A propose round starts.
     *
     * @param proposal the proposed {@code Commit}
     * @param own false for v1 proposals that finish another request's round ({@code backoffIfPartial == false})
     */
    public static void proposed(Object proposal, boolean own) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            Frame f = CaptureThreadState.current().cas;
            if (f.active) {
                f.proposes++;
                if (own && proposal instanceof Commit) {
                    f.ballot = (Commit) proposal;
                }
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /**
     * A commit round of {@code commit} starts: counted, and the request's identity is handed to this node's own
     * apply of that commit (the same object, on MutationStage or inline).
     */
    public static void committed(Object commit) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            CaptureThreadState st = CaptureThreadState.current();
            if (st.cas.active) {
                st.cas.commits++;
                if (commit != null) {
                    HANDOFF.put(commit, RequestSnapshot.of(st.request));
                }
            }
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }

    /** Contention seen so far (v1: the total at the end; v2: the attempt number before each wait). */
    public static void contended(int contentions) {
        if (CaptureRuntime.active() != null) {
            Frame f = CaptureThreadState.current().cas;
            if (f.active && contentions > f.contentions) {
                f.contentions = contentions;
            }
        }
    }

    /** Exit of {@code PaxosState.applyCommit(commit, state, postCommit)}: a committed LWT write was applied. */
    public static void applied(Object commitObject, Throwable thrown) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null || thrown != null) {
            return;
        }
        boolean adopted = false;
        try {
            RequestSnapshot handed = HANDOFF.take(commitObject);
            Commit commit = (Commit) commitObject;
            PartitionUpdate update = commit.update;
            TableMetadata table = update.metadata();
            if (rt.skipsKeyspace(table.keyspace)) {
                return;
            }
            CaptureThreadState st = CaptureThreadState.current();
            boolean local = handed != null || st.cas.active;
            adopted = handed != null && handed.adoptInto(st.request);
            FieldWriter f = TaggedRows.start(rt, st, WireFormat.TABLE_EVENTS).fields;
            f.strIfPresent(FieldIds.KIND, rt.strings.idOf(COMMIT_KIND));
            f.strIfPresent(FieldIds.KEYSPACE, rt.strings.idOf(table.keyspace));
            f.strIfPresent(FieldIds.TABLE, rt.strings.idOf(table.name));
            TaggedRows.writeKey(f, update.partitionKey());
            f.uuid(FieldIds.PAXOS_BALLOT, commit.ballot.msb(), commit.ballot.lsb());
            if (local) {
                TaggedRows.writeAppliedLocally(rt, st, f);
            }
            TaggedRows.writeUpdate(f, st.facts, update);
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

    private static void emit(CaptureRuntime rt, CaptureThreadState st, Frame frame, int applied, Throwable thrown,
                             long end) {
        FieldWriter f = TaggedRows.start(rt, st, WireFormat.TABLE_EVENTS).fields;
        f.strIfPresent(FieldIds.KIND, rt.strings.idOf(KIND));
        f.strIfPresent(FieldIds.KEYSPACE, frame.keyspace);
        f.strIfPresent(FieldIds.TABLE, frame.table);
        st.request.writeIdentityAndStatement(f);
        if (frame.key instanceof DecoratedKey) {
            TaggedRows.writeKey(f, (DecoratedKey) frame.key);
        }
        f.strIfPresent(FieldIds.COORDINATOR, NodeAddress.nodeId(rt));
        if (frame.commitConsistency != WireFormat.CONSISTENCY_UNKNOWN) {
            f.i64(FieldIds.CONSISTENCY, frame.commitConsistency);
        }
        if (frame.serialConsistency != WireFormat.CONSISTENCY_UNKNOWN) {
            f.i64(FieldIds.SERIAL_CONSISTENCY, frame.serialConsistency);
        }
        f.strIfPresent(FieldIds.PAXOS_VARIANT, rt.strings.idOf(frame.v2 ? "v2" : "v1"));
        if (applied >= 0) {
            f.bool(FieldIds.CAS_APPLIED, applied == 1);
        }
        f.i64(FieldIds.PAXOS_ATTEMPTS, frame.contentions + 1L);
        f.i64(FieldIds.PAXOS_PREPARES, frame.prepares);
        f.i64(FieldIds.PAXOS_PROPOSES, frame.proposes);
        f.i64(FieldIds.PAXOS_COMMITS, frame.commits);
        if (frame.ballot != null) {
            f.uuid(FieldIds.PAXOS_BALLOT, frame.ballot.ballot.msb(), frame.ballot.ballot.lsb());
        }
        f.i64(FieldIds.LATENCY_US, (end - frame.startNanos) / 1000);
        TaggedRows.writeError(rt, f, thrown);
        TraceSession.write(f);
        TaggedRows.emit(rt, st);
    }

    /**
     * The LWT running on this thread: its key and own proposal (Cassandra objects), held only until the exit of
     * {@code StorageProxy.cas} ({@link #exit}).
     */
    static final class Frame {
        boolean active;
        boolean v2;
        int keyspace;
        int table;
        Object key;
        int serialConsistency;
        int commitConsistency;
        long startNanos;
        int prepares;
        int proposes;
        int commits;
        int contentions;
        Commit ballot;

        void start(CaptureRuntime rt, String ks, String tableName, Object partitionKey, Object serial,
                   Object commit, boolean variant2) {
            active = true;
            v2 = variant2;
            keyspace = rt.strings.idOf(ks);
            table = rt.strings.idOf(tableName);
            key = partitionKey;
            serialConsistency = code(serial);
            commitConsistency = code(commit);
            prepares = proposes = commits = contentions = 0;
            ballot = null;
            startNanos = System.nanoTime();
        }

        void clear() {
            active = false;
            key = null;
            ballot = null;
        }

        private static int code(Object cl) {
            return cl instanceof ConsistencyLevel ? ((ConsistencyLevel) cl).code : WireFormat.CONSISTENCY_UNKNOWN;
        }
    }
}
