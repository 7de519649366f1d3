"""Fixtures for end-to-end tests: real Cassandra nodes with the real agent jar and native library."""
import pathlib
import shutil
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from cdflow_scripts import cluster  # noqa: E402
from cdflow_scripts.paths import RUN  # noqa: E402


class RunningCluster:
    def __init__(self, name, nodes=1, agent=True, agent_opts=""):
        self.dir = RUN / "tests" / name
        self.nodes, self.agent, self.agent_opts = nodes, agent, agent_opts
        self.lineage = self.dir / "lineage"

    def start(self):
        if self.dir.exists():
            cluster.stop(self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)
        cluster.start(self.dir, nodes=self.nodes, agent=self.agent, agent_opts=self.agent_opts)
        return self

    def stop(self):
        cluster.stop(self.dir)

    def node(self, i=1):
        return cluster.Node(self.dir, i)


@pytest.fixture(scope="module")
def start_cluster():
    """Starts clusters on demand and always stops them, even when the test fails."""
    started = []

    def start(name, **kwargs):
        c = RunningCluster(name, **kwargs).start()
        started.append(c)
        return c

    yield start
    for c in started:
        c.stop()
