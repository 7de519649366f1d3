"""Lightweight transactions, counters and the batchlog across two real nodes: the counter forward to a remote
leader, batchlog requests to another node, LWT commits applied on a remote replica. Node 1 coordinates every
request."""
import struct
import time

import pytest
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import WhiteListRoundRobinPolicy
from cassandra.query import BatchStatement, BatchType
from cdflow_scripts import cluster, report

KS1 = "families_rf1"
KS2 = "families_rf2"


def coordinator_session(host):
    """A session whose every request is coordinated by `host`."""
    profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([host]), request_timeout=30)
    c = Cluster([host], auth_provider=PlainTextAuthProvider("cassandra", "cassandra"),
                execution_profiles={EXEC_PROFILE_DEFAULT: profile}, protocol_version=5)
    return c, c.connect()


def key_owned_by(c, keyspace, host):
    """An int key whose only replica (RF 1) is `host`."""
    for k in range(1000):
        replicas = c.metadata.get_replicas(keyspace, struct.pack(">i", k))
        if [r.address for r in replicas] == [host]:
            return k
    raise AssertionError(f"no key of {keyspace} on {host}")


@pytest.fixture(scope="module")
def lineage(start_cluster):
    nodes = start_cluster("lwt_counters_batchlog_2", nodes=2)
    one, two = cluster.address(1), cluster.address(2)
    c, s = coordinator_session(one)
    try:
        s.execute(f"CREATE KEYSPACE {KS1} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
        s.execute(f"CREATE KEYSPACE {KS2} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 2}}")
        s.execute(f"CREATE TABLE {KS1}.hits (k int PRIMARY KEY, n counter)")
        s.execute(f"CREATE TABLE {KS1}.logged (k int, c int, v text, PRIMARY KEY (k, c))")
        s.execute(f"CREATE TABLE {KS2}.accounts (k int PRIMARY KEY, v text)")
        c.refresh_schema_metadata()
        remote_key = key_owned_by(c, KS1, two)
        s.execute(f"UPDATE {KS1}.hits SET n = n + 3 WHERE k = {remote_key}")
        logged = BatchStatement(batch_type=BatchType.LOGGED)
        row = s.prepare(f"INSERT INTO {KS1}.logged (k, c, v) VALUES (?, 0, 'b')")
        for k in (1, 2, 3):
            logged.add(row, (k,))
        s.execute(logged)
        assert s.execute(f"INSERT INTO {KS2}.accounts (k, v) VALUES (1, 'a') IF NOT EXISTS").one()[0]
        assert s.execute(f"SELECT n FROM {KS1}.hits WHERE k = {remote_key}").one()[0] == 3
    finally:
        c.shutdown()
    time.sleep(1)  # batchlog removes and LWT commits complete after the client's answer
    nodes.stop()
    return nodes.lineage, one, two


def query(lineage, sql):
    return report.connect(lineage[0]).execute(sql).fetchall()


def test_counter_forward_joins_the_remote_leader(lineage):
    _, one, two = lineage
    rows = query(lineage, f"""SELECT f.node, f.counter_leader, f.user_name, l.node, l.coordinator,
            l.applied_locally, w.node, w.coordinator, w.counter_write
        FROM events f
        JOIN events l ON l.kind = 'counter_leader_apply' AND l.message_id = f.message_id
            AND l.coordinator = f.node
        JOIN events w ON w.kind = 'replica_write' AND w.table_name = 'hits' AND w.node = l.node
        WHERE f.kind = 'counter_forward' AND f.keyspace_name = '{KS1}'""")
    assert rows == [(one, two, "cassandra", two, one, None, two, two, True)]


def test_batchlog_store_and_remove_on_each_batchlog_node(lineage):
    _, one, two = lineage
    # two nodes: the coordinator keeps one copy and sends BATCH_STORE_REQ / BATCH_REMOVE_REQ for the other
    rows = query(lineage, """SELECT s.node, s.coordinator, s.message_id IS NOT NULL, s.applied_locally,
            s.batchlog_mutations, r.coordinator, r.message_id IS NOT NULL, count(DISTINCT w.batch_id)
        FROM events s
        JOIN events r ON r.kind = 'batchlog_remove' AND r.batchlog_id = s.batchlog_id AND r.node = s.node
        JOIN events w ON w.kind = 'coordinator_write' AND w.batch_id = s.batchlog_id
        WHERE s.kind = 'batchlog_store' GROUP BY ALL ORDER BY s.node""")
    assert rows == [(one, one, False, True, 3, one, False, 1), (two, one, True, None, 3, one, True, 1)]
    assert query(lineage, "SELECT count(DISTINCT batchlog_id) FROM events WHERE kind LIKE 'batchlog_%'") == [(1,)]


def test_lwt_commit_is_applied_on_both_replicas_with_the_ballot(lineage):
    _, one, two = lineage
    rows = query(lineage, f"""SELECT cas.node, cas.cas_applied, cas.paxos_attempts, c.node, c.applied_locally,
            c.user_name
        FROM events cas JOIN events c ON c.kind = 'paxos_commit' AND c.paxos_ballot = cas.paxos_ballot
        WHERE cas.kind = 'cas' AND cas.keyspace_name = '{KS2}' ORDER BY c.node""")
    assert rows == sorted([(one, True, 1, one, True, "cassandra"), (one, True, 1, two, None, None)],
                          key=lambda r: r[3])
