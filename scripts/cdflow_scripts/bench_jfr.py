"""Where a node's Java CPU went, from a JFR recording of `scripts/bench --jfr`: the share of execution samples
with agent code (io.cdflow) on the stack, the agent methods they were in, and the hottest methods overall.

    python3 scripts/cdflow_scripts/bench_jfr.py run/bench/agent_on-1/node.jfr [--top 25]

JFR samples Java threads only: the Rust core's writer thread is not in it (bench_probe's per-thread CPU is)."""
import argparse
import collections
import json
import subprocess
import sys

AGENT_PACKAGE = "io.cdflow."


def frames_of(event):
    trace = event["values"].get("stackTrace") or {}
    return [f"{f['method']['type']['name'].replace('/', '.')}.{f['method']['name']}" for f in trace.get("frames", [])]


def samples(jfr_file):
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample",
                          str(jfr_file)], capture_output=True, text=True, check=True).stdout
    for event in json.loads(out)["recording"]["events"]:
        thread = (event["values"].get("sampledThread") or {}).get("javaName") or "?"
        yield thread, frames_of(event)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("jfr_file")
    parser.add_argument("--top", type=int, default=25)
    opts = parser.parse_args(argv)
    total = 0
    with_agent = 0
    agent_entry = collections.Counter()  # outermost agent frame of each sample with agent code
    agent_self = collections.Counter()   # samples whose top frame is agent code
    top = collections.Counter()
    by_thread = collections.Counter()
    for thread, frames in samples(opts.jfr_file):
        if not frames:
            continue
        total += 1
        top[frames[0]] += 1
        by_thread[thread.rstrip("0123456789:-")] += 1
        agent = [f for f in frames if f.startswith(AGENT_PACKAGE)]
        if agent:
            with_agent += 1
            agent_entry[agent[-1]] += 1
            if frames[0].startswith(AGENT_PACKAGE):
                agent_self[frames[0]] += 1
    if not total:
        print("no execution samples")
        return 1
    print(f"{total} execution samples; with agent code on the stack: {with_agent} ({with_agent / total:.2%})")
    print("\nagent code, by outermost agent frame (inclusive samples):")
    for name, n in agent_entry.most_common(opts.top):
        print(f"  {n:6} {n / total:7.2%}  {name}")
    print("\nagent code as the top frame (self samples):")
    for name, n in agent_self.most_common(opts.top):
        print(f"  {n:6} {n / total:7.2%}  {name}")
    print("\nhottest methods overall (self samples):")
    for name, n in top.most_common(opts.top):
        print(f"  {n:6} {n / total:7.2%}  {name}")
    print("\nsamples by thread (name without its number):")
    for name, n in by_thread.most_common(12):
        print(f"  {n:6} {n / total:7.2%}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
