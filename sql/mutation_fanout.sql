-- mutation_fanout: one row per (coordinator write, replica apply) of the lineage, across every node.
--
-- Needs a view named `events` over the lineage (sql/views.sql defines it):
--   CREATE VIEW events AS SELECT * FROM read_parquet('<lineage>/events/**/*.parquet',
--                                                    hive_partitioning = true, union_by_name = true);
--
-- How the two sides of a write are joined (docs/schema.md, "Joining a write across nodes"); every join is one to
-- one, so the view has one row per (coordinator write, replica) even when writes share partition and timestamp:
--   local   the coordinator's own replica (applied_locally): same node, table, partition_key_hash and
--           write_timestamp, and when both rows carry it (the write also went to remote replicas) the same
--           out_message_id and coordinator_generation. Rows of one partition and timestamp that cannot be joined
--           by id (RF 1, an explicit USING TIMESTAMP shared by several writes, a local row that lost its id) are
--           paired in event_time order: the n-th such write with the n-th such local apply;
--   remote  a replica_write whose coordinator, coordinator_generation and message_id equal the coordinator
--           row's node, coordinator_generation and out_message_id (one MUTATION_REQ, one id, for every remote
--           replica; a remote DC's relay keeps the id and fills forwarded_by);
--   hint    a hint_write stored on the coordinator for a replica that was down (same node, table, partition and
--           write_timestamp as the coordinator row) and, once delivered, the hint_replay on that replica (same
--           hint_creation_time, table, partition and write_timestamp). A hint carries no message id: hints of
--           writes sharing partition and timestamp are paired with them in event_time order, like local rows.
--           A hint not yet delivered is a row with replica = hint_target and applied = false.
CREATE OR REPLACE VIEW mutation_fanout AS
WITH writes AS (
    SELECT * FROM events WHERE kind = 'coordinator_write'
),
applies AS (
    SELECT * FROM events WHERE kind = 'replica_write'
),
local_rows AS (
    SELECT * FROM applies WHERE applied_locally
),
-- The id pairing a local row with its write: out_message_id and coordinator_generation when the other side has
-- the same (unique per coordinator write and table); NULL otherwise, and then the rank in event_time order among
-- the rows of the same partition and timestamp without such an id.
local_writes AS (
    SELECT *, row_number() OVER (PARTITION BY node, keyspace_name, table_name, partition_key_hash, write_timestamp,
                                              pair_id IS NULL ORDER BY event_time, out_message_id) AS pair_rank
    FROM (SELECT w.*, CASE WHEN EXISTS (
                 SELECT 1 FROM local_rows a
                 WHERE a.node = w.node AND a.keyspace_name = w.keyspace_name AND a.table_name = w.table_name
                   AND a.partition_key_hash = w.partition_key_hash AND a.write_timestamp = w.write_timestamp
                   AND a.out_message_id = w.out_message_id AND a.coordinator_generation = w.coordinator_generation)
             THEN w.out_message_id END AS pair_id
          FROM writes w)
),
local_applies_paired AS (
    SELECT *, row_number() OVER (PARTITION BY node, keyspace_name, table_name, partition_key_hash, write_timestamp,
                                              pair_id IS NULL ORDER BY event_time) AS pair_rank
    FROM (SELECT a.*, CASE WHEN EXISTS (
                 SELECT 1 FROM writes w
                 WHERE a.node = w.node AND a.keyspace_name = w.keyspace_name AND a.table_name = w.table_name
                   AND a.partition_key_hash = w.partition_key_hash AND a.write_timestamp = w.write_timestamp
                   AND a.out_message_id = w.out_message_id AND a.coordinator_generation = w.coordinator_generation)
             THEN a.out_message_id END AS pair_id
          FROM local_rows a)
),
hint_writes AS (
    SELECT *, row_number() OVER (PARTITION BY node, hint_target, keyspace_name, table_name, partition_key_hash,
                                              write_timestamp ORDER BY event_time) AS pair_rank,
              row_number() OVER (PARTITION BY node, hint_target, hint_creation_time, keyspace_name, table_name,
                                              partition_key_hash, write_timestamp ORDER BY event_time) AS replay_rank
    FROM events WHERE kind = 'hint_write'
),
hint_replays AS (
    SELECT *, row_number() OVER (PARTITION BY coordinator, node, hint_creation_time, keyspace_name, table_name,
                                              partition_key_hash, write_timestamp ORDER BY event_time) AS replay_rank
    FROM events WHERE kind = 'hint_replay'
),
hinted_writes AS (
    SELECT *, row_number() OVER (PARTITION BY node, keyspace_name, table_name, partition_key_hash, write_timestamp
                                 ORDER BY event_time, out_message_id) AS pair_rank
    FROM writes
),
local_applies AS (
    SELECT w.* EXCLUDE (pair_id, pair_rank), 'local' AS path, a.node AS replica, a.event_time AS replica_time,
           a.latency_us AS replica_latency_us, a.message_id AS replica_message_id, NULL::VARCHAR AS forwarded_by_node,
           NULL::TIMESTAMP AS hint_time, NULL::TIMESTAMP AS hint_created_at, true AS applied
    FROM local_writes w
    JOIN local_applies_paired a
      ON a.node = w.node
     AND a.keyspace_name = w.keyspace_name AND a.table_name = w.table_name
     AND a.partition_key_hash = w.partition_key_hash AND a.write_timestamp = w.write_timestamp
     AND (a.pair_id = w.pair_id OR (a.pair_id IS NULL AND w.pair_id IS NULL AND a.pair_rank = w.pair_rank))
),
remote_applies AS (
    SELECT w.*, 'remote' AS path, a.node AS replica, a.event_time AS replica_time, a.latency_us AS replica_latency_us,
           a.message_id AS replica_message_id, a.forwarded_by AS forwarded_by_node, NULL::TIMESTAMP AS hint_time,
           NULL::TIMESTAMP AS hint_created_at, true AS applied
    FROM writes w
    JOIN applies a
      ON NOT coalesce(a.applied_locally, false) AND a.coordinator = w.node
     AND a.coordinator_generation = w.coordinator_generation AND a.message_id = w.out_message_id
     AND a.keyspace_name = w.keyspace_name AND a.table_name = w.table_name
),
hinted_applies AS (
    SELECT w.* EXCLUDE (pair_rank), 'hint' AS path, h.hint_target AS replica, r.event_time AS replica_time,
           NULL::BIGINT AS replica_latency_us, NULL::BIGINT AS replica_message_id, NULL::VARCHAR AS forwarded_by_node,
           h.event_time AS hint_time, h.hint_creation_time AS hint_created_at, r.event_time IS NOT NULL AS applied
    FROM hinted_writes w
    JOIN hint_writes h
      ON h.node = w.node
     AND h.keyspace_name = w.keyspace_name AND h.table_name = w.table_name
     AND h.partition_key_hash = w.partition_key_hash AND h.write_timestamp = w.write_timestamp
     AND h.pair_rank = w.pair_rank
    LEFT JOIN hint_replays r
      ON r.coordinator = h.node AND r.node = h.hint_target AND r.hint_creation_time = h.hint_creation_time
     AND r.keyspace_name = h.keyspace_name AND r.table_name = h.table_name
     AND r.partition_key_hash = h.partition_key_hash AND r.write_timestamp = h.write_timestamp
     AND r.replay_rank = h.replay_rank
),
fanout AS (
    SELECT * FROM local_applies
    UNION ALL SELECT * FROM remote_applies
    UNION ALL SELECT * FROM hinted_applies
)
SELECT
    node                   AS coordinator,
    replica,
    path,
    applied,
    keyspace_name,
    table_name,
    token,
    partition_key_hash,
    write_timestamp,
    event_time             AS coordinator_time,
    replica_time,
    -- from the start of the coordinator's request to the apply on the replica (clocks of both nodes)
    epoch_us(replica_time) - (epoch_us(event_time) - latency_us) AS latency_us,
    replica_latency_us,
    latency_us             AS coordinator_latency_us,
    hint_time,
    hint_created_at,
    forwarded_by_node      AS forwarded_by,
    coordinator_generation,
    out_message_id         AS message_id,
    replica_message_id,
    replicas               AS replicas_contacted,
    consistency,
    statement_type,
    user_name,
    owner,
    team,
    identity_kind,
    client_address,
    session_id,
    batch_id,
    bytes,
    rows,
    tombstones,
    error                  AS coordinator_error
FROM fanout;
