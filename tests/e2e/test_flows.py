"""The flow graph on a real node: known writes and reads by two roles to two tables give exactly those counts
on the client → coordinator, coordinator → replica, replica → memtable and partition edges of the `flows` table;
a flush gives a memtable → SSTables edge; latency percentiles are ordered."""
import pytest
from cdflow_scripts import cluster, report
from cdflow_scripts.cql import Client, create_role

KS = "flowgraph"
WORKLOAD = {  # (role, table) -> (writes, reads)
    ("svc_one", "t1"): (7, 4),
    ("svc_one", "t2"): (3, 0),
    ("svc_two", "t2"): (5, 2),
}
PARTITIONS = 3  # writes go round-robin over this many partitions of each table


@pytest.fixture(scope="module")
def flows(start_cluster):
    node = start_cluster("flows", agent_opts="flow_window_s=2,flow_top_partitions=5")
    host = cluster.address(1)
    with Client(host=host) as s:
        s.execute(f"CREATE KEYSPACE {KS} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
        for table in ("t1", "t2"):
            s.execute(f"CREATE TABLE {KS}.{table} (k int, c int, v text, PRIMARY KEY (k, c))")
        for role in ("svc_one", "svc_two"):
            create_role(s, role, "p", KS)
    for role in ("svc_one", "svc_two"):
        with Client(host=host, user=role, password="p") as s:
            for (who, table), (writes, reads) in WORKLOAD.items():
                if who != role:
                    continue
                insert = s.prepare(f"INSERT INTO {KS}.{table} (k, c, v) VALUES (?, ?, 'x')")
                for i in range(writes):
                    s.execute(insert, (i % PARTITIONS, i))
                select = s.prepare(f"SELECT v FROM {KS}.{table} WHERE k = ?")
                for i in range(reads):
                    list(s.execute(select, (i % PARTITIONS,)))
    assert cluster.nodetool(["flush", KS, "t1"]) == 0
    node.stop()
    con = report.connect(node.lineage)
    con.execute(f"CREATE VIEW flows AS SELECT * FROM read_parquet('{node.lineage}/flows/**/*.parquet', "
                "hive_partitioning = true)")
    return con


def sums(con, sql):
    return {tuple(row[:-1]): row[-1] for row in con.execute(sql).fetchall()}


def test_client_to_coordinator_edges_count_every_request_by_role(flows):
    got = sums(flows, f"""SELECT edge_kind, source, target, table_name, sum(count) FROM flows
        WHERE keyspace_name = '{KS}' AND source_kind = 'role' AND target_kind = 'coordinator' GROUP BY ALL""")
    node = cluster.address(1)
    expected = {}
    for (role, table), (writes, reads) in WORKLOAD.items():
        expected[("write", role, node, table)] = writes
        if reads:
            expected[("read", role, node, table)] = reads
    assert got == expected


def test_replica_and_memtable_edges_count_every_write(flows):
    node = cluster.address(1)
    got = sums(flows, f"""SELECT edge_kind, source_kind, source, target_kind, target, table_name, sum(count) FROM flows
        WHERE keyspace_name = '{KS}' AND edge_kind IN ('replica_write', 'memtable_write') GROUP BY ALL""")
    writes = {table: sum(w for (_, t), (w, _) in WORKLOAD.items() if t == table) for table in ("t1", "t2")}
    expected = {}
    for table, count in writes.items():
        expected[("replica_write", "coordinator", node, "replica", node, table)] = count
        expected[("memtable_write", "replica", node, "memtable", f"{KS}.{table}", table)] = count
    assert got == expected


def test_partition_edges_add_up_to_the_writes_per_partition(flows):
    got = sums(flows, f"""SELECT table_name, token IS NULL, sum(count) FROM flows
        WHERE keyspace_name = '{KS}' AND edge_kind = 'partition_write' GROUP BY ALL""")
    # Fewer partitions than the top 5: every partition has its own row, no `other` row.
    assert got == {("t1", False): 7, ("t2", False): 8}
    per_partition = flows.execute(f"""SELECT table_name, count(DISTINCT token) FROM flows
        WHERE keyspace_name = '{KS}' AND edge_kind = 'partition_write' GROUP BY ALL ORDER BY 1""").fetchall()
    assert per_partition == [("t1", PARTITIONS), ("t2", PARTITIONS)]


def test_latency_percentiles_are_ordered(flows):
    rows = flows.execute(f"""SELECT edge_kind, count, latency_count, latency_p50_us, latency_p99_us, latency_max_us
        FROM flows WHERE keyspace_name = '{KS}' AND edge_kind IN ('write', 'read')""").fetchall()
    assert rows
    with_latency = [r for r in rows if r[2] is not None]
    assert {r[0] for r in with_latency} >= {"write"}
    for kind, count, latency_count, p50, p99, high in with_latency:
        assert 0 < latency_count <= count
        assert 0 <= p50 <= p99 <= high, (kind, p50, p99, high)


def test_a_flush_moves_the_memtable_into_sstables(flows):
    got = flows.execute(f"""SELECT source_kind, source, target_kind, target, sum(count), sum(bytes) FROM flows
        WHERE keyspace_name = '{KS}' AND table_name = 't1' AND edge_kind = 'flush' GROUP BY ALL""").fetchall()
    assert len(got) == 1
    source_kind, source, target_kind, target, count, size = got[0]
    assert (source_kind, source, target_kind, target) == ("memtable", f"{KS}.t1", "sstables", f"{KS}.t1")
    assert count >= 1 and size > 0


def test_windows_are_aligned_and_short(flows):
    rows = flows.execute("""SELECT DISTINCT epoch_us(window_start) % 2000000, epoch_us(window_end - window_start)
        FROM flows""").fetchall()
    assert rows == [(0, 2_000_000)]
