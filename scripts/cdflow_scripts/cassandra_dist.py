"""Resolves Cassandra 5.0.x (`org.apache.cassandra:cassandra-all`, newest that resolves) and its runtime
dependencies from Maven Central into `.cache/cassandra/<version>/lib`, once; later calls reuse the cache.

CASSANDRA_VERSION pins a version; otherwise Maven picks the newest of the range [5.0.0,5.1.0).
"""
import os
import pathlib
import subprocess
import sys
import tempfile

from .paths import CACHE

VERSION_RANGE = "[5.0.0,5.1.0)"
POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.cdflow</groupId><artifactId>cassandra-runtime</artifactId><version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId><artifactId>cassandra-all</artifactId><version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""


def log(msg):
    print(f"[cassandra] {msg}", file=sys.stderr, flush=True)


def cached_dist():
    """The newest complete cached distribution, or None."""
    root = CACHE / "cassandra"
    pinned = os.environ.get("CASSANDRA_VERSION")
    done = sorted(root.glob("*/lib/.complete"), key=lambda p: p.stat().st_mtime) if root.exists() else []
    for marker in reversed(done):
        version = marker.parent.parent.name
        if not pinned or pinned == version:
            return version, marker.parent
    return None


def resolve():
    """Returns (version, lib_dir) with every runtime jar of cassandra-all in lib_dir."""
    found = cached_dist()
    if found:
        return found
    version = os.environ.get("CASSANDRA_VERSION", VERSION_RANGE)
    log(f"resolving org.apache.cassandra:cassandra-all:{version} with Maven (once)")
    with tempfile.TemporaryDirectory(prefix="cdflow-cassandra-") as tmp:
        staging = pathlib.Path(tmp) / "lib"
        (pathlib.Path(tmp) / "pom.xml").write_text(POM.format(version=version))
        subprocess.run(["mvn", "-B", "-q", "dependency:copy-dependencies", "-DincludeScope=runtime",
                        f"-DoutputDirectory={staging}"], cwd=tmp, check=True)
        jars = sorted(staging.glob("cassandra-all-*.jar"))
        if not jars:
            raise SystemExit("Maven resolved no cassandra-all jar")
        resolved = jars[0].name[len("cassandra-all-"):-len(".jar")]
        lib = CACHE / "cassandra" / resolved / "lib"
        lib.mkdir(parents=True, exist_ok=True)
        for jar in staging.glob("*.jar"):
            jar.replace(lib / jar.name)
        (lib / ".complete").write_text(resolved + "\n")
    log(f"Cassandra {resolved}: {len(list(lib.glob('*.jar')))} jars in {lib}")
    return resolved, lib


def classpath(lib):
    return ":".join(str(j) for j in sorted(lib.glob("*.jar")))


if __name__ == "__main__":
    print(*resolve())
