"""Lineage on a small real filesystem (a tmpfs the test mounts): Cassandra serves every write, lineage never
takes the filesystem past its bounds, and every event the agent saw is accounted for exactly — written, or
dropped because of the disk bound (and, with on_full = delete_oldest, files removed are counted)."""
import shutil
import subprocess
import threading
import time

import pytest
from cassandra.concurrent import execute_concurrent_with_args
from cdflow_scripts import report
from cdflow_scripts.cql import Client

FS_BYTES = 8 << 20
MAX_LINEAGE = 4 << 20
MIN_FREE = 1 << 20
WRITES = 60_000


def mount_tmpfs(path):
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["umount", str(path)], stderr=subprocess.DEVNULL, check=False)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={FS_BYTES}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    return done.returncode == 0


def lineage_bytes(root):
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())


@pytest.mark.parametrize("on_full", ["drop_new", "delete_oldest"])
def test_a_full_lineage_filesystem_never_fills_and_every_event_is_counted(start_cluster, tmp_path, on_full):
    mnt = tmp_path / "lineage-fs"
    mounted = mount_tmpfs(mnt)
    if not mounted:
        print("cannot mount a tmpfs here: bounding by max_lineage_bytes on the ordinary filesystem")
    lineage = mnt / "lineage"
    opts = (f"output={lineage},max_lineage_bytes={MAX_LINEAGE},min_free_bytes={MIN_FREE},"
            f"on_full={on_full},roll_seconds=5,stats_seconds=1")
    try:
        c = start_cluster(f"diskbound-{on_full}", agent_opts=opts)
        samples, stop = [], threading.Event()

        def sample():
            while not stop.is_set():
                usage = shutil.disk_usage(mnt)
                samples.append((usage.free, lineage_bytes(lineage)))
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        with Client() as s:
            s.execute("CREATE KEYSPACE disk WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
            s.execute("CREATE TABLE disk.t (k int PRIMARY KEY, v text)")
            insert = s.prepare("INSERT INTO disk.t (k, v) VALUES (?, 'a value of some forty bytes, give or take')")
            results = execute_concurrent_with_args(s, insert, [(k,) for k in range(WRITES)], concurrency=64)
            assert all(ok for ok, _ in results), "Cassandra must serve every write"
            assert s.execute("SELECT count(*) FROM disk.t").one()[0] == WRITES
        c.stop()
        stop.set()
        sampler.join()

        worst_free = min(free for free, _ in samples)
        most_used = max(used for _, used in samples)
        print(f"{on_full}: {len(samples)} samples, least free {worst_free} B, most lineage {most_used} B")
        if mounted:
            assert worst_free >= MIN_FREE // 2, worst_free
        assert most_used <= MAX_LINEAGE * 1.1, most_used

        con = report.connect(lineage)
        (seen, written, agent_dropped, queue_full, rejected, skipped, write_failed, disk_bound,
         removed_rows, removed_files) = con.execute("""
            SELECT agent_events_seen, written, agent_dropped, dropped_queue_full, rejected, skipped_records,
                   dropped_write_failed, dropped_disk_bound, removed_rows, removed_files
            FROM agent_stats ORDER BY stats_time DESC, written DESC LIMIT 1""").fetchone()
        assert seen > 2 * WRITES  # coordinator and replica rows, plus flushes and the schema's own writes
        assert disk_bound > 0, "the bound was reached: its drops are counted, never reported as 0"
        assert seen == written + agent_dropped + queue_full + rejected + skipped + write_failed + disk_bound
        assert (agent_dropped, queue_full, rejected, write_failed) == (0, 0, 0, 0)
        live = sum(con.execute(f"SELECT count(*) FROM read_parquet('{lineage}/{t}/**/*.parquet')").fetchone()[0]
                   for t in ("events", "flushes", "compactions", "sstables", "auth_events")
                   if any(lineage.glob(f"{t}/**/*.parquet")))
        assert live == written - removed_rows
        if on_full == "delete_oldest":
            assert removed_files > 0 and removed_rows > 0
        else:
            assert (removed_files, removed_rows) == (0, 0)
        log = c.node().stdout_log.read_text(errors="replace")
        assert "lineage disk bound:" in log
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mnt)], check=False)
