"""Fixtures for end-to-end tests: real Cassandra nodes with the real agent jar and native library.

Cassandra versions: a module that sets `pytestmark = pytest.mark.every_cassandra_version` runs once per selected
version (test ids end in [5.0] / [4.1]); every other module runs on 5.0 only. CDFLOW_CASSANDRA_VERSIONS selects
(default "5.0,4.1"; e.g. "4.1" or "4.1.10" alone; an older 4.1 such as "4.1.3" is opt-in, not in CI).
"""
import os
import pathlib
import shutil
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from cdflow_scripts import cassandra_dist, cluster  # noqa: E402
from cdflow_scripts.paths import RUN  # noqa: E402

DEFAULT_VERSION = cassandra_dist.DEFAULT_SERIES


def selected_versions():
    value = os.environ.get("CDFLOW_CASSANDRA_VERSIONS", ",".join(cassandra_dist.SERIES_RANGES))
    return [cassandra_dist.requested(v.strip()) for v in value.split(",") if v.strip()]


def pytest_configure(config):
    config.addinivalue_line("markers", "every_cassandra_version: run this module on every selected Cassandra "
                                       "version (CDFLOW_CASSANDRA_VERSIONS), not only on 5.0")


def pytest_generate_tests(metafunc):
    if "cassandra_version" not in metafunc.fixturenames:
        return
    every = metafunc.definition.get_closest_marker("every_cassandra_version") is not None
    versions = [v for v in selected_versions()
                if every or cassandra_dist.series_of(v) == cassandra_dist.series_of(DEFAULT_VERSION)]
    metafunc.parametrize("cassandra_version", versions, scope="module")


class RunningCluster:
    def __init__(self, name, nodes=1, agent=True, agent_opts="", cassandra=DEFAULT_VERSION):
        suffix = "" if cassandra == DEFAULT_VERSION else f"-{cassandra}"
        self.dir = RUN / "tests" / f"{name}{suffix}"
        self.cassandra = cassandra
        self.nodes, self.agent, self.agent_opts = nodes, agent, agent_opts
        self.lineage = self.dir / "lineage"

    def start(self):
        if self.dir.exists():
            cluster.stop(self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)
        cluster.start(self.dir, nodes=self.nodes, agent=self.agent, agent_opts=self.agent_opts,
                      cassandra=self.cassandra)
        return self

    def stop(self):
        cluster.stop(self.dir)

    def node(self, i=1):
        return cluster.Node(self.dir, i)


@pytest.fixture(scope="module")
def start_cluster(cassandra_version):
    """Starts clusters (of the module's Cassandra version) on demand and always stops them, even when the test
    fails."""
    started = []

    def start(name, **kwargs):
        kwargs.setdefault("cassandra", cassandra_version)
        c = RunningCluster(name, **kwargs).start()
        started.append(c)
        return c

    yield start
    for c in started:
        c.stop()
