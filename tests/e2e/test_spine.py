"""The spine, end to end: a real Cassandra 5.0 node with the real agent jar and native library, a known
workload by two roles, then exact assertions on the Parquet lineage through DuckDB."""
import pytest
from cassandra.connection import DRIVER_NAME, DRIVER_VERSION
from cassandra.query import BatchStatement, BatchType
from cdflow_scripts import cluster, report
from cdflow_scripts.cql import Client, create_role

pytestmark = pytest.mark.every_cassandra_version  # also on 4.1 (conftest.py)

KS = "spine"
INSERTS_BY_A = 50        # distinct partitions of t1
DELETES_BY_B = 7         # row deletes in t1, each one row tombstone
PARTITION_DELETES_BY_B = 3
BATCH_ROWS = 10          # unlogged batch into one partition of t2 => one mutation
TTL_INSERTS_BY_A = 4     # t2 rows with TTL: 2 cells each (row liveness + v)


def secret_key(k):
    return f"customer-secret-{k}"


@pytest.fixture(scope="module")
def lineage(start_cluster):
    node = start_cluster("spine")
    with Client() as s:
        s.execute(f"CREATE KEYSPACE {KS} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
        s.execute(f"CREATE TABLE {KS}.t1 (k text, c int, v text, PRIMARY KEY (k, c))")
        s.execute(f"CREATE TABLE {KS}.t2 (k int, c int, v int, PRIMARY KEY (k, c))")
        create_role(s, "role_a", "pa", KS)
        create_role(s, "role_b", "pb", KS)
    with Client(user="role_a", password="pa") as s:
        insert = s.prepare(f"INSERT INTO {KS}.t1 (k, c, v) VALUES (?, ?, ?)")
        for k in range(INSERTS_BY_A):
            s.execute(insert, (secret_key(k), 1, "value"))
        batch = BatchStatement(batch_type=BatchType.UNLOGGED)
        row = s.prepare(f"INSERT INTO {KS}.t2 (k, c, v) VALUES (?, ?, ?)")
        for c in range(BATCH_ROWS):
            batch.add(row, (7, c, c))
        s.execute(batch)
        ttl = s.prepare(f"INSERT INTO {KS}.t2 (k, c, v) VALUES (?, ?, ?) USING TTL 600")
        for c in range(TTL_INSERTS_BY_A):
            s.execute(ttl, (8, c, c))
    with Client(user="role_b", password="pb") as s:
        delete = s.prepare(f"DELETE FROM {KS}.t1 WHERE k = ? AND c = 1")
        for k in range(DELETES_BY_B):
            s.execute(delete, (secret_key(k),))
        drop = s.prepare(f"DELETE FROM {KS}.t2 WHERE k = ?")
        for k in range(PARTITION_DELETES_BY_B):
            s.execute(drop, (500 + k,))
    node.stop()  # graceful: the agent flushes and renames every file
    return node.lineage


def one(con, sql):
    return con.execute(sql).fetchall()[0]


def test_inserts_are_attributed_to_their_role(lineage):
    con = report.connect(lineage)
    assert one(con, f"""SELECT count(*) FROM events WHERE kind = 'coordinator_write' AND user_name = 'role_a'
                        AND keyspace_name = '{KS}' AND table_name = 't1'""")[0] == INSERTS_BY_A
    assert one(con, f"""SELECT count(*) FROM events WHERE kind = 'coordinator_write' AND user_name = 'role_b'
                        AND keyspace_name = '{KS}' AND table_name = 't1'""")[0] == DELETES_BY_B
    assert one(con, f"""SELECT count(*) FROM events WHERE kind = 'replica_write'
                        AND keyspace_name = '{KS}' AND table_name = 't1'""")[0] == INSERTS_BY_A + DELETES_BY_B


def test_identity_columns_are_filled(lineage):
    con = report.connect(lineage)
    rows = con.execute(f"""SELECT DISTINCT node, coordinator, client_address LIKE '127.0.0.1:%', driver_name, driver_version,
                               statement_type, consistency, replicas
                           FROM events WHERE kind = 'coordinator_write' AND keyspace_name = '{KS}'
                           AND table_name = 't1' ORDER BY statement_type""").fetchall()
    driver = (cluster.address(1), cluster.address(1), True, DRIVER_NAME, DRIVER_VERSION)
    assert rows == [driver + ("DELETE", "LOCAL_ONE", 1), driver + ("INSERT", "LOCAL_ONE", 1)]


def test_row_deletes_sum_to_their_count(lineage):
    con = report.connect(lineage)
    for kind in ("coordinator_write", "replica_write"):
        assert one(con, f"""SELECT sum(tombstones) FROM events WHERE kind = '{kind}'
                            AND keyspace_name = '{KS}' AND table_name = 't1'""")[0] == DELETES_BY_B
    assert one(con, f"""SELECT sum(tombstones) FROM events WHERE kind = 'coordinator_write'
                        AND keyspace_name = '{KS}' AND table_name = 't2'""")[0] == PARTITION_DELETES_BY_B


def test_an_unlogged_batch_into_one_partition_is_one_mutation(lineage):
    con = report.connect(lineage)
    assert con.execute(f"""SELECT rows, statement_type FROM events WHERE kind = 'coordinator_write'
                           AND keyspace_name = '{KS}' AND table_name = 't2' AND statement_type LIKE 'BATCH%'
                        """).fetchall() == [(BATCH_ROWS, "BATCH_UNLOGGED")]


def test_ttl_cells_are_counted(lineage):
    con = report.connect(lineage)
    assert one(con, f"""SELECT count(*), sum(ttl_cells) FROM events WHERE kind = 'coordinator_write'
                        AND keyspace_name = '{KS}' AND table_name = 't2' AND ttl_cells > 0""") \
        == (TTL_INSERTS_BY_A, 2 * TTL_INSERTS_BY_A)


def test_replica_and_coordinator_agree_on_partitions(lineage):
    con = report.connect(lineage)
    mismatched = one(con, f"""
        SELECT count(*) FROM (
          SELECT token, partition_key_hash, count(*) FILTER (kind = 'coordinator_write') AS c,
                 count(*) FILTER (kind = 'replica_write') AS r
          FROM events WHERE keyspace_name = '{KS}' AND table_name = 't1' GROUP BY ALL) WHERE c != r""")[0]
    assert mismatched == 0
    assert one(con, "SELECT count(DISTINCT partition_key_hash) FROM events WHERE table_name = 't1'")[0] == INSERTS_BY_A


def test_no_column_holds_a_raw_partition_key(lineage):
    con = report.connect(lineage)
    columns = [r[0] for r in con.execute("DESCRIBE events").fetchall()]
    assert "partition_key_hex" not in columns and "partition_key" not in columns
    text_columns = [r[0] for r in con.execute("DESCRIBE events").fetchall() if r[1] == "VARCHAR"]
    assert "user_name" in text_columns
    for column in text_columns:
        assert one(con, f"SELECT count(*) FROM events WHERE {column} LIKE '%customer-secret%'")[0] == 0, column
    raw = b"".join(p.read_bytes() for p in lineage.rglob("*.parquet"))
    assert b"customer-secret" not in raw  # footers (statistics) are not compressed


def test_system_keyspaces_are_skipped_by_default(lineage):
    con = report.connect(lineage)
    assert one(con, "SELECT count(*) FROM events WHERE keyspace_name LIKE 'system%'")[0] == 0


def test_agent_counters_show_nothing_dropped(lineage):
    con = report.connect(lineage)
    tables = ("events", "flushes", "compactions", "sstables", "auth_events")
    total = sum(one(con, f"SELECT count(*) FROM read_parquet('{lineage}/{t}/**/*.parquet')")[0]
                for t in tables if any(lineage.glob(f"{t}/**/*.parquet")))
    seen, offered, accepted, written, dropped = one(con, """
        SELECT agent_events_seen, offered, accepted, written, agent_dropped + dropped_queue_full + rejected
        FROM agent_stats ORDER BY stats_time DESC, written DESC LIMIT 1""")
    assert (seen, offered, accepted, written, dropped) == (total, total, total, total, 0)


def test_every_hook_family_is_installed_and_recorded(lineage):
    """agent_stats says which hook families the agent installed on this Cassandra version (all ten on 4.1.3+
    and 5.0.x; 4.1.3 through the older hook points, CDFLOW_CASSANDRA_VERSIONS=4.1.3) and that none was skipped;
    the row before the agent reported them would say NULL."""
    con = report.connect(lineage)
    installed, skipped = one(con, """SELECT hook_families, skipped_hook_families
        FROM agent_stats ORDER BY stats_time DESC, written DESC LIMIT 1""")
    assert installed.split("+") == ["writes", "reads", "lwt", "counters", "batchlog", "hints", "flush",
                                    "compaction", "auth", "session"]
    assert skipped == ""


def test_no_file_is_left_half_written(lineage):
    assert list(lineage.rglob("*.inprogress")) == []
    assert list(lineage.glob(f"events/node={cluster.address(1)}/date=*/part-*.parquet"))
