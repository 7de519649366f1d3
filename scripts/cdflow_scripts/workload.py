"""The demo workload: a small shop written by a service account and edited by a person.

It mixes what an operator sees in production: skewed inserts (a few hot customers), updates, row and
partition deletes, a logged and an unlogged batch, TTL writes, lightweight transactions (coupon claims, some of
which lose) and counters (page views). Returns what it did, so a report or a
test can compare the lineage with it.
"""
import random
import time
import uuid
from dataclasses import dataclass, field

from cassandra.query import BatchStatement, BatchType

from .cql import Client, create_role

SERVICE, PERSON = "svc_orders", "alice"


@dataclass
class WorkloadSummary:
    statements: dict = field(default_factory=dict)
    seconds: float = 0.0

    def count(self, role, what, n=1):
        key = (role, what)
        self.statements[key] = self.statements.get(key, 0) + n


def create_schema(host, keyspace="shop", replication_factor=1):
    with Client(host) as s:
        s.execute(f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = "
                  f"{{'class': 'SimpleStrategy', 'replication_factor': {replication_factor}}}")
        s.execute(f"CREATE TABLE IF NOT EXISTS {keyspace}.orders (customer_id int, order_id int, item text, "
                  "qty int, note text, PRIMARY KEY (customer_id, order_id))")
        s.execute(f"CREATE TABLE IF NOT EXISTS {keyspace}.sessions (session_id uuid PRIMARY KEY, "
                  "customer_id int, auth_token text)")
        s.execute(f"CREATE TABLE IF NOT EXISTS {keyspace}.carts (customer_id int, item text, qty int, "
                  "PRIMARY KEY (customer_id, item))")
        s.execute(f"CREATE TABLE IF NOT EXISTS {keyspace}.coupons (code text PRIMARY KEY, customer_id int)")
        s.execute(f"CREATE TABLE IF NOT EXISTS {keyspace}.page_views (customer_id int PRIMARY KEY, views counter)")
        create_role(s, SERVICE, "svc-secret", keyspace)
        create_role(s, PERSON, "alice-secret", keyspace)


def run(host="127.0.0.1", keyspace="shop", orders=2000, seed=7):
    rng = random.Random(seed)
    summary = WorkloadSummary()
    began = time.time()
    with Client(host, SERVICE, "svc-secret") as s:
        insert = s.prepare(f"INSERT INTO {keyspace}.orders (customer_id, order_id, item, qty) VALUES (?, ?, ?, ?)")
        futures = []
        for order_id in range(orders):
            # A few hot customers get most of the orders (Zipf-like skew).
            customer = min(int(rng.paretovariate(1.2)), 500)
            futures.append(s.execute_async(insert, (customer, order_id, f"item-{order_id % 37}", 1 + order_id % 5)))
            if len(futures) >= 64:
                [f.result() for f in futures]
                futures.clear()
        [f.result() for f in futures]
        summary.count(SERVICE, "insert orders", orders)

        session_insert = s.prepare(f"INSERT INTO {keyspace}.sessions (session_id, customer_id, auth_token) "
                                   "VALUES (?, ?, ?) USING TTL 3600")
        for i in range(200):
            s.execute(session_insert, (uuid.UUID(int=rng.getrandbits(128)), i, f"tok-{i}"))
        summary.count(SERVICE, "insert sessions with TTL", 200)

        cart = s.prepare(f"INSERT INTO {keyspace}.carts (customer_id, item, qty) VALUES (?, ?, ?)")
        unlogged = BatchStatement(batch_type=BatchType.UNLOGGED)
        for item in range(10):
            unlogged.add(cart, (1, f"item-{item}", item))
        s.execute(unlogged)
        summary.count(SERVICE, "unlogged batch, 10 rows in one partition")
        logged = BatchStatement(batch_type=BatchType.LOGGED)
        for customer in (2, 3, 4):
            logged.add(cart, (customer, "gift", 1))
        s.execute(logged)
        summary.count(SERVICE, "logged batch over 3 partitions")

        claim = s.prepare(f"INSERT INTO {keyspace}.coupons (code, customer_id) VALUES (?, ?) IF NOT EXISTS")
        won = sum(s.execute(claim, (f"WELCOME-{i % 10}", i)).one()[0] for i in range(20))
        summary.count(SERVICE, "claim coupons (LWT INSERT IF NOT EXISTS)", 20)
        summary.count(SERVICE, "coupon claims applied", won)
        view = s.prepare(f"UPDATE {keyspace}.page_views SET views = views + 1 WHERE customer_id = ?")
        for i in range(50):
            s.execute(view, (1 + i % 5,))
        summary.count(SERVICE, "counter updates", 50)

    with Client(host, PERSON, "alice-secret") as s:
        update = s.prepare(f"UPDATE {keyspace}.orders SET note = ? WHERE customer_id = ? AND order_id = ?")
        for order_id in range(0, 300, 3):
            s.execute(update, ("checked", 1, order_id))
        summary.count(PERSON, "update orders", 100)
        delete_row = s.prepare(f"DELETE FROM {keyspace}.orders WHERE customer_id = ? AND order_id = ?")
        for order_id in range(1, 151, 3):
            s.execute(delete_row, (1, order_id))
        summary.count(PERSON, "delete order rows", 50)
        delete_partition = s.prepare(f"DELETE FROM {keyspace}.orders WHERE customer_id = ?")
        for customer in range(100, 120):
            s.execute(delete_partition, (customer,))
        summary.count(PERSON, "delete customer partitions", 20)
        s.execute(f"DELETE note FROM {keyspace}.orders WHERE customer_id = 2 AND order_id = 5")
        summary.count(PERSON, "delete one cell")
        s.execute(f"DELETE FROM {keyspace}.carts USING TIMESTAMP 1 WHERE customer_id = 1 AND item > 'item-5'")
        summary.count(PERSON, "range delete")
        select = s.prepare(f"SELECT order_id, note FROM {keyspace}.orders WHERE customer_id = ?")
        for customer in (1, 2, 3):
            list(s.execute(select, (customer,)))
        summary.count(PERSON, "read customer orders (over deleted rows)", 3)
    summary.seconds = time.time() - began
    return summary
