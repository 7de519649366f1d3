"""A real 3-node cluster (RF 3): every coordinator write joined to its three replica applies across nodes, hinted
handoff to a stopped node joined to the original writes, and the flow graph of the CLI. The client talks only to
node 1, so node 1 coordinates every write."""
import re
import subprocess
import time

import duckdb
import pytest
from cassandra import ConsistencyLevel
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import WhiteListRoundRobinPolicy
from cdflow_scripts import build, cluster
from cdflow_scripts.cql import create_role
from conftest import REPO
from live_client import api, start_live

pytestmark = pytest.mark.every_cassandra_version  # also on 4.1 (conftest.py)

KS = "fan"
FANNED = 20      # writes while all three nodes are up: table `fanned`
SAME_TIMESTAMP = 2  # of which writes to one partition with the same USING TIMESTAMP
HINTED = 8       # writes while node 3 is down: table `hinted`
HINT_DELIVERY_TIMEOUT_S = 120
WRITER = "writer"
LIVE_HINTS_TIMEOUT_S = 5
# What `cdflow live`, following the three nodes' lineage, showed for node 3's hints (filled by the fixture)
LIVE_HINTS = {}


class NodeOneClient:
    """A session bound to node 1 only (no load balancing to the other nodes), writes at QUORUM."""

    def __init__(self, user="cassandra", password="cassandra"):
        profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([cluster.address(1)]),
                                   consistency_level=ConsistencyLevel.QUORUM, request_timeout=30)
        self.cluster = Cluster([cluster.address(1)], auth_provider=PlainTextAuthProvider(user, password),
                               execution_profiles={EXEC_PROFILE_DEFAULT: profile}, protocol_version=5)

    def __enter__(self):
        return self.cluster.connect()

    def __exit__(self, *exc):
        self.cluster.shutdown()


def events(lineage):
    con = duckdb.connect()
    con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{lineage}/events/**/*.parquet', "
                "hive_partitioning = true, union_by_name = true)")
    con.execute((REPO / "sql" / "mutation_fanout.sql").read_text())
    return con


def hint_replays(lineage):
    """hint_replay rows of `hinted` in the completed files so far (0 while none is written)."""
    if not any(lineage.glob("events/**/*.parquet")):
        return 0
    return events(lineage).execute(
        f"SELECT count(*) FROM events WHERE kind = 'hint_replay' AND keyspace_name = '{KS}'").fetchone()[0]


def live_hints_for(base, target, written, replayed=0, timeout_s=LIVE_HINTS_TIMEOUT_S):
    """Polls `cdflow live`'s /api/hints until `target` has at least `written` hints stored and `replayed` replayed;
    returns (its row or None, seconds waited)."""
    start = time.time()
    row = None
    while time.time() - start < timeout_s:
        row = next((r for r in api(base, "hints") if r["target"] == target), None)
        if row and row["written"] >= written and row["replayed"] >= replayed:
            break
        time.sleep(0.1)
    return row, round(time.time() - start, 2)


def wait_for_replica_applies(lineage, node, table, expected, timeout_s=60):
    """Waits until `node`'s completed lineage files hold `expected` replica_write rows of `table`."""
    deadline = time.time() + timeout_s
    seen = 0
    while time.time() < deadline:
        if any(lineage.glob(f"events/node={node}/**/*.parquet")):
            seen = events(lineage).execute(
                f"""SELECT count(*) FROM events WHERE node = '{node}' AND kind = 'replica_write'
                    AND keyspace_name = '{KS}' AND table_name = '{table}'""").fetchone()[0]
            if seen >= expected:
                return
        time.sleep(1)
    pytest.fail(f"{node} applied {seen} of {expected} writes of {KS}.{table} within {timeout_s} s")


@pytest.fixture(scope="module")
def lineage(start_cluster):
    # Files roll every 2 s, so the test sees hint replays while the nodes still run.
    c = start_cluster("cluster", nodes=3, agent_opts="roll_seconds=2")
    node1, node3 = c.node(1), c.node(3)
    live, live_base = start_live(str(build.build_cli()), c.lineage)
    with NodeOneClient() as s:
        s.execute(f"CREATE KEYSPACE {KS} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 3}}")
        for table in ("fanned", "hinted"):
            s.execute(f"CREATE TABLE {KS}.{table} (k int PRIMARY KEY, v text)")
        # Logins must survive node 3's absence: roles on every node, and not the default superuser (whose
        # permissions Cassandra reads at QUORUM).
        s.execute("ALTER KEYSPACE system_auth WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}")
        create_role(s, WRITER, "pw", KS)
    with NodeOneClient(WRITER, "pw") as s:
        insert = s.prepare(f"INSERT INTO {KS}.fanned (k, v) VALUES (?, ?)")
        for k in range(FANNED - SAME_TIMESTAMP):
            s.execute(insert, (k, "all up"))
        # Writes of one partition with one explicit timestamp: only the message ids tell them apart.
        for n in range(SAME_TIMESTAMP):
            s.execute(f"INSERT INTO {KS}.fanned (k, v) VALUES (-1, 'same timestamp {n}') USING TIMESTAMP 1")

        # QUORUM returns after two acks: let node 3 apply the last writes before it is stopped.
        wait_for_replica_applies(c.lineage, cluster.address(3), "fanned", FANNED)
        since = node1.log_size()
        cluster.stop(c.dir, only=3)
        node1.wait_until_sees(node3, "DOWN", since)
        insert = s.prepare(f"INSERT INTO {KS}.hinted (k, v) VALUES (?, ?)")
        for k in range(HINTED):
            s.execute(insert, (k, "node 3 down"))
        LIVE_HINTS["while_down"] = live_hints_for(live_base, cluster.address(3), HINTED)

    since = node1.log_size()
    cluster.start(c.dir, nodes=3, agent_opts="roll_seconds=2", only=3)
    node1.wait_until_sees(node3, "UP", since)
    deadline = time.time() + HINT_DELIVERY_TIMEOUT_S  # node 1 dispatches hints to live nodes every 10 s
    while hint_replays(c.lineage) < HINTED and time.time() < deadline:
        time.sleep(2)
    LIVE_HINTS["replayed"] = live_hints_for(live_base, cluster.address(3), HINTED, replayed=HINTED)
    live.terminate()
    live.wait(timeout=10)
    c.stop()  # graceful: every agent flushes and renames its files
    return c.lineage


def addresses():
    return [cluster.address(i) for i in (1, 2, 3)]


def test_every_node_writes_its_own_partition_of_one_lineage(lineage):
    assert sorted(p.name for p in (lineage / "events").iterdir()) == sorted(f"node={a}" for a in addresses())


def test_each_coordinator_write_reaches_three_distinct_replicas(lineage):
    con = events(lineage)
    n1 = cluster.address(1)
    writes = con.execute(f"""SELECT count(*), count(DISTINCT node), count(out_message_id), count(coordinator_generation)
                             FROM events WHERE kind = 'coordinator_write' AND keyspace_name = '{KS}'
                             AND table_name = 'fanned'""").fetchone()
    assert writes == (FANNED, 1, FANNED, FANNED)
    per_write = con.execute(f"""
        SELECT coordinator, message_id, count(*), count(DISTINCT replica),
               count(*) FILTER (path = 'local'), count(*) FILTER (path = 'remote'), bool_and(applied)
        FROM mutation_fanout WHERE keyspace_name = '{KS}' AND table_name = 'fanned'
        GROUP BY ALL""").fetchall()
    assert len(per_write) == FANNED
    assert {(row[0],) + row[2:] for row in per_write} == {(n1, 3, 3, 1, 2, True)}
    assert len({row[1] for row in per_write}) == FANNED, "one message id per write"
    replicas = con.execute(f"""SELECT replica, path, count(*) FROM mutation_fanout
                               WHERE keyspace_name = '{KS}' AND table_name = 'fanned' GROUP BY ALL ORDER BY ALL""")
    assert replicas.fetchall() == sorted([(n1, "local", FANNED)] + [(a, "remote", FANNED) for a in addresses()[1:]])


def test_no_replica_write_is_an_orphan(lineage):
    con = events(lineage)
    applies = con.execute(f"""SELECT count(*) FROM events WHERE kind = 'replica_write'
                              AND keyspace_name = '{KS}'""").fetchone()[0]
    joined = con.execute(f"""SELECT count(*) FROM mutation_fanout WHERE path IN ('local', 'remote')
                             AND keyspace_name = '{KS}'""").fetchone()[0]
    assert applies == joined == 3 * FANNED + 2 * HINTED


def test_remote_applies_name_their_coordinator_message_and_generation(lineage):
    con = events(lineage)
    rows = con.execute(f"""SELECT DISTINCT coordinator, coordinator_generation > 1700000000, forwarded_by,
                                  latency_us >= 0
                           FROM events WHERE kind = 'replica_write' AND NOT applied_locally
                           AND keyspace_name = '{KS}'""").fetchall()
    assert rows == [(cluster.address(1), True, None, True)]


def test_writes_while_a_replica_is_down_are_hinted_and_replayed(lineage):
    con = events(lineage)
    n1, n3 = cluster.address(1), cluster.address(3)
    hint_writes = con.execute(f"""SELECT node, hint_target, count(*), count(hint_creation_time), min(hint_bytes) > 0
                                  FROM events WHERE kind = 'hint_write' AND keyspace_name = '{KS}'
                                  GROUP BY ALL""").fetchall()
    assert hint_writes == [(n1, n3, HINTED, HINTED, True)]
    replays = con.execute(f"""SELECT node, coordinator, hint_target, count(*), count(error)
                              FROM events WHERE kind = 'hint_replay' AND keyspace_name = '{KS}'
                              GROUP BY ALL""").fetchall()
    assert replays == [(n3, n1, n3, HINTED, 0)]
    per_write = con.execute(f"""
        SELECT list(path ORDER BY path), list(replica ORDER BY path), bool_and(applied),
               bool_and(path <> 'hint' OR (hint_created_at <= hint_time AND hint_time <= replica_time))
        FROM mutation_fanout WHERE keyspace_name = '{KS}' AND table_name = 'hinted'
        GROUP BY coordinator, coordinator_time, partition_key_hash""").fetchall()
    assert len(per_write) == HINTED
    assert {(tuple(paths), tuple(replicas), applied, ordered) for paths, replicas, applied, ordered in per_write} == {
        (("hint", "local", "remote"), (n3, n1, cluster.address(2)), True, True)}


def test_graph_names_every_node_and_counts_the_writes(lineage):
    dot = subprocess.run([str(build.build_cli()), "graph", str(lineage), "--format", "dot"],
                         check=True, capture_output=True, text=True).stdout
    labels = dict(re.findall(r'^\s*v(\d+) \[label="([^"]*)"', dot, re.M))
    edges = {(labels[a], labels[b], verb): int(n)
             for a, b, verb, n in re.findall(r'^\s*v(\d+) -> v(\d+) \[label="([a-z ]+) (\d+)', dot, re.M)}
    n1, n2, n3 = (f"node:{a}" for a in addresses())
    both = FANNED + HINTED
    assert {n1, n2, n3, f"{KS}.fanned", f"{KS}.hinted"} <= set(labels.values())
    assert edges[(f"role:{WRITER}", n1, "writes")] == both
    assert edges[(n1, n1, "local writes")] == both
    assert edges[(n1, n2, "writes")] == both
    assert edges[(n1, n3, "writes")] == FANNED  # the hinted writes reach node 3 as hint replays
    assert edges[(n1, f"{KS}.fanned", "applied")] == FANNED
    assert (n3, f"{KS}.hinted", "applied") not in edges  # replica_write rows only; node 3 got hint replays
    for node in (n1, n2, n3):
        assert edges[(node, f"{KS}.fanned", "applied")] == FANNED
    assert edges[(n2, f"{KS}.hinted", "applied")] == HINTED


def test_live_view_shows_the_stopped_nodes_hints_pending_then_replayed(lineage):
    """`cdflow live` on the cluster's lineage: the hints stored for node 3 while it is down appear as pending within
    seconds, and once node 3 is back and the hints are replayed, none is pending."""
    (down, waited_down), (back, waited_back) = LIVE_HINTS["while_down"], LIVE_HINTS["replayed"]
    assert down is not None, f"no hints for {cluster.address(3)} in cdflow live within {LIVE_HINTS_TIMEOUT_S} s"
    assert (down["written"], down["pending"]) == (HINTED, HINTED - down["replayed"]), down
    assert waited_down < LIVE_HINTS_TIMEOUT_S
    assert back is not None and (back["written"], back["replayed"], back["pending"]) == (HINTED, HINTED, 0), back
    assert waited_back < LIVE_HINTS_TIMEOUT_S
