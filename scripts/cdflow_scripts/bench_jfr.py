"""Where a node's Java CPU went, from a JFR recording of `scripts/bench --jfr`: the share of execution samples
with agent code (io.cdflow) on the stack, the agent methods they were in, and the hottest methods overall.

    python3 scripts/cdflow_scripts/bench_jfr.py run/bench/agent_on-1/node.jfr [--top 25]
    python3 scripts/cdflow_scripts/bench_jfr.py --runtime run/bench/no_agent-1/node.jfr run/bench/agent_on-1/node.jfr

--runtime compares recordings side by side on the JVM's own work: garbage collections and their pauses, bytes
allocated (from allocation samples) and the sites that allocated most, JIT compilations and their time.

JFR samples Java threads only: the Rust core's writer thread is not in it (bench_probe's per-thread CPU is)."""
import argparse
import collections
import json
import re
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


def events(jfr_file, names):
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "8", "--events", ",".join(names),
                          str(jfr_file)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)["recording"]["events"]


def seconds(duration):
    """A JFR duration as printed in JSON (ISO 8601, e.g. "PT0.0123S", "PT1M2.5S") → seconds."""
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", str(duration or "PT0S"))
    if not match:
        return 0.0
    hours, minutes, secs = (float(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + secs


def runtime_summary(jfr_file, top):
    """GC, allocation and JIT work in one recording."""
    gcs = events(jfr_file, ["jdk.GarbageCollection"])
    allocations = events(jfr_file, ["jdk.ObjectAllocationSample"])
    compilations = events(jfr_file, ["jdk.Compilation"])
    by_site = collections.Counter()
    allocated = 0
    for event in allocations:
        weight = int(event["values"].get("weight") or 0)
        allocated += weight
        frames = frames_of(event)
        by_site[frames[0] if frames else "?"] += weight
    return {
        "gc_count": len(gcs),
        "gc_pause_s": sum(seconds(e["values"].get("sumOfPauses")) for e in gcs),
        "allocated_mib": allocated / 2**20,
        "agent_allocated_mib": sum(w for site, w in by_site.items() if site.startswith(AGENT_PACKAGE)) / 2**20,
        "top_sites": by_site.most_common(top),
        "compilations": len(compilations),
        "compile_s": sum(seconds(e["values"].get("duration")) for e in compilations),
    }


def compare_runtime(files, top):
    summaries = [(f, runtime_summary(f, top)) for f in files]
    print("| recording | GCs | GC pauses s | allocated MiB (sampled) | by agent code | JIT compilations | compile s |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    for f, s in summaries:
        print(f"| {f} | {s['gc_count']} | {s['gc_pause_s']:.2f} | {s['allocated_mib']:,.0f} | "
              f"{s['agent_allocated_mib']:,.1f} | {s['compilations']} | {s['compile_s']:.1f} |")
    for f, s in summaries:
        print(f"\ntop allocation sites of {f} (MiB):")
        for site, weight in s["top_sites"]:
            print(f"  {weight / 2**20:9.1f}  {site}")
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("jfr_file", nargs="+")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--runtime", action="store_true", help="compare GC, allocation and JIT work")
    opts = parser.parse_args(argv)
    if opts.runtime:
        return compare_runtime(opts.jfr_file, opts.top)
    if len(opts.jfr_file) != 1:
        parser.error("one recording at a time (several only with --runtime)")
    opts.jfr_file = opts.jfr_file[0]
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
