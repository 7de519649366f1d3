"""Full event coverage on a real node: reads with tombstones, batches, tombstone breakdown, flush and compaction
lineage, identity map, logins. Exact where the operation is exact."""
import pytest
from cassandra import AuthenticationFailed
from cassandra.cluster import NoHostAvailable
from cassandra.query import BatchStatement, BatchType
from cdflow_scripts import cluster, report
from cdflow_scripts.cql import Client, create_role

pytestmark = pytest.mark.every_cassandra_version  # also on 4.1 (conftest.py)

KS = "coverage"
DELETED_ROWS = 6          # row tombstones in partition 1 of `reads`
LIVE_ROWS = 20            # rows inserted in partition 1 of `reads`
IDENTITY_MAP = """# who is behind each role
roles:
  svc_ingest: {owner: ingest-service, team: data-platform, kind: service, external_identity: "arn:aws:iam::123456789012:role/ingest"}
  bob:
    owner: Bob Example
    team: analytics
    kind: person
    external_identity: okta|00u1bob
"""


@pytest.fixture(scope="module")
def lineage(start_cluster, tmp_path_factory):
    identity_map = tmp_path_factory.mktemp("identity") / "identity-map.yaml"
    identity_map.write_text(IDENTITY_MAP)
    node = start_cluster("coverage", agent_opts=f"identity_map={identity_map}")
    with Client() as s:
        s.execute(f"CREATE KEYSPACE {KS} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
        s.execute(f"CREATE TABLE {KS}.reads (k int, c int, v text, PRIMARY KEY (k, c))")
        s.execute(f"CREATE TABLE {KS}.shapes (k int, c int, v text, w text, PRIMARY KEY (k, c))")
        s.execute(f"CREATE TABLE {KS}.compacted (k int PRIMARY KEY, v text)")
        create_role(s, "svc_ingest", "pi", KS)
        create_role(s, "bob", "pb", KS)
    with Client(user="svc_ingest", password="pi") as s:
        insert = s.prepare(f"INSERT INTO {KS}.reads (k, c, v) VALUES (1, ?, 'x')")
        for c in range(LIVE_ROWS):
            s.execute(insert, (c,))
        delete = s.prepare(f"DELETE FROM {KS}.reads WHERE k = 1 AND c = ?")
        for c in range(DELETED_ROWS):
            s.execute(delete, (c,))
        logged = BatchStatement(batch_type=BatchType.LOGGED)
        shape = s.prepare(f"INSERT INTO {KS}.shapes (k, c, v) VALUES (?, 0, 'b')")
        for k in (101, 102, 103):
            logged.add(shape, (k,))
        s.execute(logged)
        # One of each tombstone shape, by bob below; compaction input: two flushed SSTables.
        for k in range(10):
            s.execute(f"INSERT INTO {KS}.compacted (k, v) VALUES ({k}, 'first')")
    with Client(user="bob", password="pb") as s:
        s.execute(f"DELETE FROM {KS}.shapes WHERE k = 201")                       # partition tombstone
        s.execute(f"DELETE FROM {KS}.shapes WHERE k = 202 AND c = 1")             # row tombstone
        s.execute(f"DELETE FROM {KS}.shapes WHERE k = 203 AND c > 5")             # range tombstone
        s.execute(f"DELETE v FROM {KS}.shapes WHERE k = 204 AND c = 1")           # cell tombstone
        s.execute(f"INSERT INTO {KS}.shapes (k, c, v) VALUES (205, 1, 'ttl') USING TTL 600")  # ttl row
        rows = list(s.execute(f"SELECT c FROM {KS}.reads WHERE k = 1"))
        assert len(rows) == LIVE_ROWS - DELETED_ROWS
    try:
        with Client(user="bob", password="wrong-password"):
            pass
    except (NoHostAvailable, AuthenticationFailed):
        pass
    assert cluster.nodetool(["flush", KS, "compacted"]) == 0
    with Client(user="svc_ingest", password="pi") as s:
        for k in range(10):
            s.execute(f"INSERT INTO {KS}.compacted (k, v) VALUES ({k}, 'second')")
    assert cluster.nodetool(["flush", KS, "compacted"]) == 0
    assert cluster.nodetool(["compact", KS, "compacted"]) == 0
    with Client() as s:
        history = [(str(r.id), r.bytes_in, r.bytes_out) for r in s.execute(
            "SELECT id, keyspace_name, columnfamily_name, bytes_in, bytes_out FROM system.compaction_history")
            if r.keyspace_name == KS and r.columnfamily_name == "compacted"]
    node.stop()
    return node.lineage, history


def query(lineage, sql):
    return report.connect(lineage[0]).execute(sql).fetchall()


def test_replica_reads_count_the_tombstones_they_scan(lineage):
    (scanned, live), = query(lineage, f"""SELECT max(tombstones_scanned), max(live_rows) FROM events
        WHERE kind = 'replica_read' AND keyspace_name = '{KS}' AND table_name = 'reads'""")
    assert scanned >= DELETED_ROWS
    assert live == LIVE_ROWS - DELETED_ROWS


def test_coordinator_read_reports_rows_returned_and_role(lineage):
    rows = query(lineage, f"""SELECT user_name, rows_returned, range_scan, consistency FROM events
        WHERE kind = 'coordinator_read' AND keyspace_name = '{KS}' AND table_name = 'reads'""")
    assert rows == [("bob", LIVE_ROWS - DELETED_ROWS, False, "LOCAL_ONE")]


def test_logged_batch_shares_one_batch_id(lineage):
    rows = query(lineage, f"""SELECT count(*), count(DISTINCT batch_id), max(batch_partitions), any_value(statement_type)
        FROM events WHERE kind = 'coordinator_write' AND keyspace_name = '{KS}' AND table_name = 'shapes'
        AND batch_id IS NOT NULL""")
    assert rows == [(3, 1, 3, "BATCH_LOGGED")]


def test_tombstones_are_broken_down_by_shape(lineage):
    rows = query(lineage, f"""SELECT sum(partition_tombstones), sum(row_tombstones), sum(range_tombstones),
            sum(cell_tombstones), sum(tombstones), sum(ttl_rows)
        FROM events WHERE kind = 'coordinator_write' AND keyspace_name = '{KS}' AND table_name = 'shapes'
        AND user_name = 'bob'""")
    assert rows == [(1, 1, 1, 1, 4, 1)]


def test_roles_carry_their_identity_map_entry(lineage):
    rows = query(lineage, f"""SELECT DISTINCT user_name, owner, team, identity_kind, external_identity FROM events
        WHERE keyspace_name = '{KS}' AND kind = 'coordinator_write' ORDER BY user_name""")
    assert rows == [("bob", "Bob Example", "analytics", "person", "okta|00u1bob"),
                    ("svc_ingest", "ingest-service", "data-platform", "service",
                     "arn:aws:iam::123456789012:role/ingest")]


def test_failed_login_is_recorded(lineage):
    auth = "read_parquet('" + str(lineage[0]) + "/auth_events/**/*.parquet', hive_partitioning = true)"
    rows = query(lineage, f"""SELECT DISTINCT user_name, outcome, client_address LIKE '127.0.0.1:%', team
        FROM {auth} WHERE outcome = 'failure' AND user_name <> 'cassandra'""")
    assert rows == [("bob", "failure", True, "analytics")]
    # 4.1 creates its default superuser ~10 s after CQL is up: the start-up poll's logins as `cassandra` fail
    # until then, and are recorded as the real failed logins they are, all before its first success.
    early = query(lineage, f"""SELECT count(*) FROM {auth} WHERE user_name = 'cassandra' AND outcome = 'failure'
        AND event_time > (SELECT min(event_time) FROM {auth} WHERE user_name = 'cassandra' AND outcome = 'success')""")
    assert early == [(0,)]


def test_compaction_inputs_are_exactly_the_flushed_sstables(lineage):
    lin, history = lineage
    con = report.connect(lin)
    flushed = {sid for (ids,) in con.execute(f"""SELECT output_sstables FROM read_parquet('{lin}/flushes/**/*.parquet',
        hive_partitioning = true) WHERE keyspace_name = '{KS}' AND table_name = 'compacted'""").fetchall() for sid in ids}
    compactions = con.execute(f"""SELECT compaction_id, input_sstables, output_sstables, bytes_in, bytes_out
        FROM read_parquet('{lin}/compactions/**/*.parquet', hive_partitioning = true)
        WHERE keyspace_name = '{KS}' AND table_name = 'compacted'""").fetchall()
    assert len(flushed) == 2
    assert len(compactions) == 1
    compaction_id, inputs, outputs, bytes_in, bytes_out = compactions[0]
    assert set(inputs) == flushed
    assert (compaction_id, bytes_in, bytes_out) in history
    created = con.execute(f"""SELECT sstable_id, origin, origin_id FROM read_parquet('{lin}/sstables/**/*.parquet',
        hive_partitioning = true) WHERE keyspace_name = '{KS}' AND table_name = 'compacted' AND change = 'created'
        AND origin = 'compaction'""").fetchall()
    assert created == [(outputs[0], "compaction", compaction_id)]
