package io.cdflow.agent.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.CassandraFixture;
import io.cdflow.agent.testutil.DecodedFields;
import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.WireFormat;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.cassandra.cql3.QueryOptions;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.service.ClientState;
import org.apache.cassandra.service.QueryState;
import org.apache.cassandra.service.paxos.Ballot;
import org.apache.cassandra.service.paxos.Commit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** LWT capture with real Cassandra keys, updates and Paxos commits. */
@SuppressWarnings("deprecation") // Commit.newProposal: deprecated in 5.0, still what Paxos v1 proposes
class CasCaptureTest {
    static final String INSERT = "INSERT INTO shop.orders (pk, ck, v) VALUES (42, 1, 'x')";
    static final Ballot BALLOT = Ballot.atUnixMicrosWithLsb(1_764_000_000_000_000L, 77, Ballot.Flag.GLOBAL);

    @BeforeAll
    static void cassandra() {
        CassandraFixture.init();
    }

    @AfterEach
    void uninstall() {
        CaptureRuntime.uninstall();
    }

    private static DecodedFields onlyRow(CaptureHarness h, String kind) {
        var rows = h.tagged(WireFormat.TABLE_EVENTS, kind);
        assertEquals(1, rows.size(), kind + " rows");
        return rows.get(0).fields;
    }

    @Test
    void appliedCasCountsEveryPhaseUnderTheRequestIdentity() {
        try (CaptureHarness h = new CaptureHarness()) {
            Mutation m = CassandraFixture.mutation(INSERT);
            ClientState cs = ClientState.forExternalCalls(new InetSocketAddress("10.0.0.9", 40000));
            QueryOptions options = QueryOptions.forInternalCalls(ConsistencyLevel.QUORUM, List.<ByteBuffer>of());
            boolean request = RequestContext.enter(CassandraFixture.prepare(INSERT), new QueryState(cs), options);
            boolean entered = CasCapture.enter("shop", "orders", m.key(), ConsistencyLevel.SERIAL, ConsistencyLevel.QUORUM);
            assertTrue(entered);
            CasCapture.prepared();
            Commit proposal = Commit.newProposal(BALLOT, m.getPartitionUpdates().iterator().next());
            CasCapture.proposed(proposal, true);
            CasCapture.committed(proposal);
            CasCapture.contended(0);
            CasCapture.exit(null, null, entered);
            RequestContext.exit(request);
            CasCapture.applied(proposal, null); // the local commit, after the request (as on MutationStage)
            assertFalse(CaptureThreadState.current().request.isActive(), "the adopted identity is released");
            assertEquals(0, CasCapture.HANDOFF.size());

            DecodedFields cas = onlyRow(h, CasCapture.KIND);
            assertTrue(cas.bool(FieldIds.CAS_APPLIED));
            assertEquals(1, cas.i64(FieldIds.PAXOS_ATTEMPTS));
            assertEquals(1, cas.i64(FieldIds.PAXOS_PREPARES));
            assertEquals(1, cas.i64(FieldIds.PAXOS_PROPOSES));
            assertEquals(1, cas.i64(FieldIds.PAXOS_COMMITS));
            assertEquals(ConsistencyLevel.SERIAL.code, cas.i64(FieldIds.SERIAL_CONSISTENCY));
            assertEquals(ConsistencyLevel.QUORUM.code, cas.i64(FieldIds.CONSISTENCY));
            assertEquals("v1", h.text(cas.str(FieldIds.PAXOS_VARIANT)));
            assertEquals(BALLOT.toString(), cas.text(FieldIds.PAXOS_BALLOT));
            assertEquals("orders", h.text(cas.str(FieldIds.TABLE)));
            assertEquals("10.0.0.9:40000", h.text(cas.str(FieldIds.CLIENT_ADDRESS)));
            assertEquals("INSERT", h.text(cas.str(FieldIds.STATEMENT_TYPE)));
            assertArrayEquals(new byte[] {0, 0, 0, 42}, cas.bytes(FieldIds.PARTITION_KEY));
            assertFalse(cas.has(FieldIds.ERROR));
            assertTrue(cas.i64(FieldIds.LATENCY_US) >= 0);

            DecodedFields commit = onlyRow(h, CasCapture.COMMIT_KIND);
            assertEquals(BALLOT.toString(), commit.text(FieldIds.PAXOS_BALLOT));
            assertTrue(commit.bool(FieldIds.APPLIED_LOCALLY));
            assertEquals("10.0.0.9:40000", h.text(commit.str(FieldIds.CLIENT_ADDRESS)));
            assertEquals(1, commit.i64(FieldIds.ROWS));
            assertEquals(1, commit.i64(FieldIds.CELLS));
            assertEquals(1_764_000_000_000_000L, commit.i64(FieldIds.WRITE_TIMESTAMP));
        }
    }

    @Test
    void notAppliedContendedAndFailedCas() {
        try (CaptureHarness h = new CaptureHarness()) {
            Mutation m = CassandraFixture.mutation(INSERT);
            boolean entered = CasCapture.enter("shop", "orders", m.key(), ConsistencyLevel.LOCAL_SERIAL,
                    ConsistencyLevel.LOCAL_QUORUM);
            CasCapture.prepared();
            CasCapture.prepared();
            CasCapture.contended(1);
            CasCapture.proposed(Commit.newProposal(BALLOT, m.getPartitionUpdates().iterator().next()), false);
            CasCapture.exit("current values", null, entered);
            DecodedFields cas = onlyRow(h, CasCapture.KIND);
            assertFalse(cas.bool(FieldIds.CAS_APPLIED));
            assertEquals(2, cas.i64(FieldIds.PAXOS_ATTEMPTS));
            assertEquals(2, cas.i64(FieldIds.PAXOS_PREPARES));
            assertEquals(0, cas.i64(FieldIds.PAXOS_COMMITS));
            assertFalse(cas.has(FieldIds.PAXOS_BALLOT), "another request's proposal is not this one's ballot");
            assertFalse(cas.has(FieldIds.USER));

            boolean again = CasCapture.enter("shop", "orders", m.key(), ConsistencyLevel.SERIAL, ConsistencyLevel.QUORUM);
            CasCapture.exit(null, new IllegalStateException("timeout"), again);
            var rows = h.tagged(WireFormat.TABLE_EVENTS, CasCapture.KIND);
            DecodedFields failed = rows.get(1).fields;
            assertFalse(failed.has(FieldIds.CAS_APPLIED), "unknown outcome");
            assertEquals("IllegalStateException", h.text(failed.str(FieldIds.ERROR)));
            assertEquals(0, h.runtime.captureErrors());
        }
    }

    @Test
    void systemKeyspacesAndPhasesOutsideAFrameAreIgnored() {
        try (CaptureHarness h = new CaptureHarness()) {
            Mutation m = CassandraFixture.mutation(INSERT);
            assertFalse(CasCapture.enter("system_auth", "roles", m.key(), ConsistencyLevel.SERIAL, ConsistencyLevel.QUORUM));
            CasCapture.prepared();
            CasCapture.committed(null);
            CasCapture.exit(null, null, false);
            assertTrue(h.tagged().isEmpty());
            CasCapture.applied("not a commit", null);
            assertEquals(1, h.runtime.captureErrors());
            Commit remote = Commit.newProposal(BALLOT, m.getPartitionUpdates().iterator().next());
            CasCapture.applied(remote, null); // a commit coordinated elsewhere
            DecodedFields commit = onlyRow(h, CasCapture.COMMIT_KIND);
            assertFalse(commit.has(FieldIds.APPLIED_LOCALLY));
            assertFalse(commit.has(FieldIds.COORDINATOR));
        }
    }
}
