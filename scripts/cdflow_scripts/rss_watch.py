"""Samples the RSS of a running Cassandra node every few seconds, for the memory-flatness measurement of
docs/performance.md: waits for the first `java` process whose command line contains `--match` (a run
directory) and CassandraDaemon, then writes `elapsed_s,rss_mib,threads` lines to `--out` until it exits.
Usage: python3 scripts/cdflow_scripts/rss_watch.py --match run/bench/agent_on-1 --out run/rss.csv"""
import argparse
import pathlib
import sys
import time

from bench_probe import proc_status


def find_node(match):
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "CassandraDaemon" in cmdline and match in cmdline:
            return int(proc.name)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--match", required=True, help="text the node's command line contains (its run directory)")
    parser.add_argument("--out", required=True, type=pathlib.Path, help="CSV file to write")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between samples (default 10)")
    parser.add_argument("--wait", type=float, default=900.0, help="seconds to wait for the node to appear")
    opts = parser.parse_args()
    deadline = time.time() + opts.wait
    pid = find_node(opts.match)
    while pid is None:
        if time.time() > deadline:
            sys.exit(f"rss_watch: no CassandraDaemon with {opts.match!r} in its command line after {opts.wait:.0f} s")
        time.sleep(1)
        pid = find_node(opts.match)
    start = time.time()
    with opts.out.open("w") as out:
        out.write("elapsed_s,rss_mib,threads\n")
        while True:
            status = proc_status(pid)
            if not status:
                break
            out.write(f"{time.time() - start:.0f},{status['VmRSS'] / 1024:.1f},{status.get('Threads', '')}\n")
            out.flush()
            time.sleep(opts.interval)
    print(f"rss_watch: node {pid} gone after {time.time() - start:.0f} s; samples in {opts.out}")


if __name__ == "__main__":
    main()
