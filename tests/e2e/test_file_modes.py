"""File modes on a real node with the real agent and default options: after a graceful stop every lineage
file is 0640, every directory the core created (the lineage root included) 0750, the key file 0600."""
import os
import stat

import pytest
from cdflow_scripts import report
from cdflow_scripts.cql import Client

KS = "file_modes"
WRITES = 20
FILE_MODE, DIR_MODE, KEY_MODE = 0o640, 0o750, 0o600


@pytest.fixture(scope="module")
def lineage(start_cluster):
    c = start_cluster("file-modes")  # a fresh cluster directory: the core creates the lineage root itself
    with Client() as s:
        s.execute(f"CREATE KEYSPACE {KS} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
        s.execute(f"CREATE TABLE {KS}.t (k int PRIMARY KEY, v int)")
        insert = s.prepare(f"INSERT INTO {KS}.t (k, v) VALUES (?, ?)")
        for k in range(WRITES):
            s.execute(insert, (k, k))
    c.stop()  # graceful: the agent flushes and renames every file
    return c.lineage


def entries_below(root):
    """(path, is_dir, permission bits) of the root and everything below it."""
    out = [(root, True, stat.S_IMODE(os.lstat(root).st_mode))]
    for parent, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(parent, name)
            st = os.lstat(path)
            out.append((path, stat.S_ISDIR(st.st_mode), stat.S_IMODE(st.st_mode)))
    return out


def test_the_workload_was_written(lineage):
    con = report.connect(lineage)
    count = con.execute(f"""SELECT count(*) FROM events WHERE kind = 'coordinator_write'
                            AND keyspace_name = '{KS}' AND table_name = 't'""").fetchall()[0][0]
    assert count == WRITES


def test_lineage_files_are_0640(lineage):
    files = [(path, mode) for path, is_dir, mode in entries_below(lineage) if not is_dir]
    names = [os.path.relpath(path, lineage) for path, _ in files]
    # published files and the nodes' manifests, nothing in progress, no journal left after a graceful stop
    assert all(name.endswith(".parquet") or (name.startswith("_manifest/") and name.endswith(".manifest"))
               for name in names), names
    assert any(name.startswith("_manifest/") for name in names), names
    for table in ("events", "agent_stats"):
        assert any(name.startswith(f"{table}/") for name in names), names
    assert [(path, oct(mode)) for path, mode in files if mode != FILE_MODE] == []


def test_lineage_directories_are_0750(lineage):
    dirs = [(path, mode) for path, is_dir, mode in entries_below(lineage) if is_dir]
    depths = {len(os.path.relpath(path, lineage).split(os.sep)) for path, _ in dirs if path != lineage}
    assert depths == {1, 2, 3}  # <table>/node=<node>/date=<day>
    assert [(path, oct(mode)) for path, mode in dirs if mode != DIR_MODE] == []


def test_the_key_file_is_0600(lineage):
    key = lineage.parent / "cdflow-key-hash.secret"
    assert stat.S_IMODE(key.stat().st_mode) == KEY_MODE
    assert key.stat().st_size == 16
