"""Small helpers around the Python driver: sessions as a given role, roles with grants."""
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import RoundRobinPolicy


class Client:
    """A connection to one node (default: node 1) as one role; `with Client(...) as s:` gives a Session."""

    def __init__(self, host=None, user="cassandra", password="cassandra", consistency=None):
        if host is None:  # node 1, wherever CDFLOW_ADDRESS_OFFSET puts it
            from .cluster import address
            host = address(1)
        profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy(), request_timeout=30)
        if consistency is not None:
            profile.consistency_level = consistency
        self.cluster = Cluster([host], auth_provider=PlainTextAuthProvider(user, password),
                               execution_profiles={EXEC_PROFILE_DEFAULT: profile},
                               protocol_version=5)
        self.session = None

    def __enter__(self):
        self.session = self.cluster.connect()
        return self.session

    def __exit__(self, *exc):
        self.cluster.shutdown()


def create_role(session, name, password, keyspace):
    session.execute(f"CREATE ROLE IF NOT EXISTS {name} WITH PASSWORD = '{password}' AND LOGIN = true")
    session.execute(f"GRANT MODIFY ON KEYSPACE {keyspace} TO {name}")
    session.execute(f"GRANT SELECT ON KEYSPACE {keyspace} TO {name}")
