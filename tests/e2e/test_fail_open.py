"""Fail-open: whatever goes wrong with the agent, Cassandra starts, serves CQL, and the log says why the
agent is off in exactly one line."""
import stat

from cdflow_scripts.cql import Client


def disabled_lines(node):
    return [line for line in node.stdout_log.read_text(errors="replace").splitlines()
            if line.startswith("cdflow-agent: disabled:")]


def assert_serves_cql_without_agent(node, reason_words):
    with Client() as s:
        s.execute("CREATE KEYSPACE IF NOT EXISTS failopen WITH replication = "
                  "{'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE IF NOT EXISTS failopen.t (k int PRIMARY KEY, v int)")
        s.execute("INSERT INTO failopen.t (k, v) VALUES (1, 1)")
        assert s.execute("SELECT v FROM failopen.t WHERE k = 1").one().v == 1
    lines = disabled_lines(node)
    assert len(lines) == 1, lines
    for word in reason_words:
        assert word in lines[0], lines[0]


def test_unloadable_native_library(start_cluster, tmp_path):
    bogus = tmp_path / "libcdflow_jni.so"
    bogus.write_bytes(b"this is not an ELF file")
    c = start_cluster("failopen-native", agent_opts=f"native_lib={bogus}")
    assert_serves_cql_without_agent(c.node(), [str(bogus)])
    c.stop()


def test_unwritable_output_directory(start_cluster, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the lineage directory should be")
    output = blocker / "lineage"
    c = start_cluster("failopen-output", agent_opts=f"output={output}")
    assert_serves_cql_without_agent(c.node(), [str(output)])
    c.stop()


def test_key_file_that_others_can_read(start_cluster, tmp_path):
    key = tmp_path / "cdflow-key-hash.secret"
    key.write_bytes(bytes(range(16)))
    key.chmod(0o644)
    c = start_cluster("failopen-key-file", agent_opts=f"key_file={key}")
    assert_serves_cql_without_agent(c.node(), [f"key file {key} has mode 0644: group or others can access it"])
    c.stop()
    assert key.read_bytes() == bytes(range(16)) and stat.S_IMODE(key.stat().st_mode) == 0o644  # left as it was


def test_bad_configuration(start_cluster):
    c = start_cluster("failopen-config", agent_opts="roll_seconds=soon")
    assert_serves_cql_without_agent(c.node(), ["roll_seconds", "soon"])
    c.stop()


def test_bad_identity_map(start_cluster, tmp_path):
    # Read inside Cassandra's JVM by the native library (serde_yaml_ng): one line naming file, line, column.
    identity_map = tmp_path / "identity-map.yaml"
    identity_map.write_text("roles:\n  svc: {owner: o, kind: service}\n  bob:\n    kind: robot\n")
    c = start_cluster("failopen-identity", agent_opts=f"identity_map={identity_map}")
    assert_serves_cql_without_agent(
        c.node(), [f'identity map {identity_map} line 4 column 11: roles.bob.kind: must be `service` or `person`, got "robot"'])
    c.stop()
