"""scripts/demo [--nodes N] [--cassandra 4.1|5.0] [--live]: real nodes with the agent, the demo workload, the
lineage report (with N > 1, the write fan-out across the cluster). With --live: `cdflow live` serves the page,
/api and /metrics while the workload runs in rounds; the nodes and the page stay up until Ctrl-C."""
import argparse
import pathlib
import shutil
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from cdflow_scripts import build, cluster, report, workload  # noqa: E402
from cdflow_scripts.paths import RUN  # noqa: E402

# Who is behind the demo's roles: joined into every lineage row at write time.
IDENTITY_MAP = f"""roles:
  {workload.SERVICE}: {{owner: orders-service, team: commerce, kind: service, external_identity: "arn:aws:iam::123456789012:role/orders"}}
  {workload.PERSON}:
    owner: Alice Example
    team: support
    kind: person
    external_identity: okta|00u1alice
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=pathlib.Path, default=RUN / "demo", help="wiped and reused")
    parser.add_argument("--nodes", type=int, default=1, help="cluster size; keyspaces get RF = min(3, nodes)")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--agent-opts", default="")
    parser.add_argument("--cassandra", default=None, help="series (5.0, 4.1) or exact version; default 5.0")
    parser.add_argument("--live", action="store_true",
                        help="serve cdflow live (page, /api, /metrics) and keep the nodes and the workload up until Ctrl-C")
    parser.add_argument("--listen", default="127.0.0.1:8089", help="address of cdflow live (with --live)")
    opts = parser.parse_args()

    if opts.dir.exists():
        cluster.stop(opts.dir)
    shutil.rmtree(opts.dir, ignore_errors=True)
    opts.dir.mkdir(parents=True)
    identity_map = opts.dir / "identity-map.yaml"
    identity_map.write_text(IDENTITY_MAP)
    agent_opts = ",".join(o for o in (f"identity_map={identity_map}", opts.agent_opts) if o)
    took = cluster.start(opts.dir, nodes=opts.nodes, agent_opts=agent_opts, cassandra=opts.cassandra)
    host = cluster.address(1)
    if opts.live:
        return live_demo(opts, host, took)
    try:
        workload.create_schema(host, replication_factor=min(3, opts.nodes))
        summary = workload.run(host, orders=opts.orders)
        # SSTable lineage: two flushes of shop.orders, then a major compaction of them (node 1).
        cluster.nodetool(["flush", "shop", "orders"])
        workload.run(host, orders=200, seed=8)
        cluster.nodetool(["flush", "shop", "orders"])
        cluster.nodetool(["compact", "shop", "orders"])
    finally:
        stop_began = time.time()
        cluster.stop(opts.dir)
    print(f"\ncdflow demo: {opts.nodes} node(s) started in {took:.1f}s, workload ran {summary.seconds:.1f}s, "
          f"node stopped in {time.time() - stop_began:.1f}s")
    print("Workload (role, what, statements):")
    for (role, what), n in summary.statements.items():
        print(f"  {role:<11} {what:<45} {n}")
    lineage = opts.dir / "lineage"
    print(f"\nLineage: {lineage}\n  duckdb -c \"SELECT * FROM read_parquet('{lineage}/events/**/*.parquet', "
          "hive_partitioning = true) LIMIT 5\"")
    report.print_report(lineage)
    if opts.nodes > 1:
        report.print_fanout(lineage)
    con = report.connect(lineage)
    n, seconds = con.execute("SELECT count(*), epoch(max(event_time)) - epoch(min(event_time)) FROM events").fetchall()[0]
    print_flow_graph(lineage, opts.dir)
    print(f"\nPipeline: {n} events captured over {seconds:.1f}s of workload = {n / max(seconds, 1e-3):.0f} events/s sustained")


def live_demo(opts, host, took):
    """`cdflow live` on the cluster's lineage while the workload runs in rounds, until Ctrl-C."""
    live = subprocess.Popen([str(build.build_cli()), "live", str(opts.dir / "lineage"), "--listen", opts.listen])
    try:
        workload.create_schema(host, replication_factor=min(3, opts.nodes))
        print(f"\ncdflow demo: {opts.nodes} node(s) started in {took:.1f}s")
        print(f"cdflow live: open http://{opts.listen}/  (JSON: /api/all, Prometheus: /metrics); Ctrl-C stops")
        round_ = 0
        while live.poll() is None:
            round_ += 1
            workload.run(host, orders=max(50, opts.orders // 10), seed=round_)
            if round_ % 5 == 0:
                cluster.nodetool(["flush", "shop", "orders"])
    except KeyboardInterrupt:
        pass
    finally:
        live.terminate()
        live.wait(timeout=10)
        cluster.stop(opts.dir)


def print_flow_graph(lineage, out_dir):
    """The flow graph of the demo: Mermaid text on the console, an SVG file when Graphviz is installed."""
    cli = build.build_cli()
    print("\n== Flow graph (cdflow graph --format mermaid)")
    subprocess.run([str(cli), "graph", str(lineage), "--format", "mermaid"], check=True)
    if shutil.which("dot"):
        svg = out_dir / "flow.svg"
        subprocess.run([str(cli), "graph", str(lineage), "--format", "svg", "--output", str(svg)], check=True)
        print(f"SVG: {svg}")


if __name__ == "__main__":
    main()
