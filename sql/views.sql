-- cdflow: views over one lineage directory (docs/schema.md), for DuckDB. Read it first:
--
--   duckdb -cmd "SET VARIABLE lineage = 'run/demo/lineage'" -cmd ".read sql/views.sql"
--   duckdb -init sql/views.sql              (lineage at ./lineage: -init runs before any -cmd)
--   python: con.execute("SET VARIABLE lineage = 'run/demo/lineage'"); con.execute(open('sql/views.sql').read())
--
-- `lineage` is the lineage root (the directory holding events/, flushes/, …); unset, it is ./lineage.
-- A table whose directory does not exist yet (an older agent, no flush yet) becomes an empty view with the
-- documented columns, so every query runs; read this file again after new tables appear. The empty views' columns
-- are the core's (rust-core/core/src/tables/catalog.rs), in file order: its parity test fails when they differ.
-- sql/mutation_fanout.sql (the `mutation_fanout` view) builds on `events`: read it after this file.

SET VARIABLE lineage = coalesce(getvariable('lineage'), 'lineage');

-- Every file of one table, every node and day; `date` comes from the hive path.
CREATE OR REPLACE MACRO cdflow_glob(name) AS getvariable('lineage') || '/' || name || '/**/*.parquet';

-- The SELECT that reads table `name`, or `empty` when it has no file yet.
CREATE OR REPLACE MACRO cdflow_table_sql(name, empty) AS
    CASE WHEN (SELECT count(*) FROM glob(cdflow_glob(name))) > 0
         THEN 'SELECT * FROM read_parquet(''' || replace(cdflow_glob(name), '''', '''''')
              || ''', hive_partitioning = true, union_by_name = true)'
         ELSE empty END;

-- events must exist: a lineage without it is the wrong directory, and read_parquet says which glob matched nothing.
CREATE OR REPLACE VIEW events AS
    SELECT * FROM read_parquet(cdflow_glob('events'), hive_partitioning = true, union_by_name = true);

SET VARIABLE cdflow_flushes_sql = cdflow_table_sql('flushes', 'SELECT NULL::TIMESTAMP AS event_time,
    NULL::VARCHAR AS node, NULL::VARCHAR AS keyspace_name, NULL::VARCHAR AS table_name, NULL::VARCHAR AS flush_id,
    NULL::VARCHAR AS flush_reason, NULL::BIGINT AS partitions, NULL::BIGINT AS operations,
    NULL::BIGINT AS memtable_bytes, NULL::VARCHAR[] AS output_sstables, NULL::BIGINT AS bytes_out,
    NULL::DATE AS date WHERE false');
CREATE OR REPLACE VIEW flushes AS FROM query(getvariable('cdflow_flushes_sql'));

SET VARIABLE cdflow_compactions_sql = cdflow_table_sql('compactions', 'SELECT NULL::TIMESTAMP AS event_time,
    NULL::VARCHAR AS node, NULL::VARCHAR AS keyspace_name, NULL::VARCHAR AS table_name,
    NULL::VARCHAR AS compaction_id, NULL::VARCHAR AS operation_type, NULL::VARCHAR AS strategy,
    NULL::VARCHAR[] AS input_sstables, NULL::VARCHAR[] AS output_sstables, NULL::BIGINT AS bytes_in,
    NULL::BIGINT AS bytes_out, NULL::BIGINT AS partitions_in, NULL::BIGINT AS partitions_out,
    NULL::BIGINT AS tombstones_in_estimate, NULL::BIGINT AS tombstones_out_estimate, NULL::BIGINT AS duration_us,
    NULL::DATE AS date WHERE false');
CREATE OR REPLACE VIEW compactions AS FROM query(getvariable('cdflow_compactions_sql'));

SET VARIABLE cdflow_sstables_sql = cdflow_table_sql('sstables', 'SELECT NULL::TIMESTAMP AS event_time,
    NULL::VARCHAR AS node, NULL::VARCHAR AS keyspace_name, NULL::VARCHAR AS table_name, NULL::VARCHAR AS sstable_id,
    NULL::VARCHAR AS change, NULL::VARCHAR AS origin, NULL::VARCHAR AS origin_id, NULL::BIGINT AS size_bytes,
    NULL::BIGINT AS rows, NULL::BIGINT AS tombstone_estimate, NULL::BIGINT AS level, NULL::DATE AS date WHERE false');
CREATE OR REPLACE VIEW sstables AS FROM query(getvariable('cdflow_sstables_sql'));

SET VARIABLE cdflow_auth_events_sql = cdflow_table_sql('auth_events', 'SELECT NULL::TIMESTAMP AS event_time,
    NULL::VARCHAR AS node, NULL::VARCHAR AS user_name, NULL::VARCHAR AS client_address, NULL::VARCHAR AS session_id,
    NULL::VARCHAR AS outcome, NULL::VARCHAR AS reason, NULL::VARCHAR AS owner, NULL::VARCHAR AS team,
    NULL::VARCHAR AS identity_kind, NULL::VARCHAR AS external_identity, NULL::DATE AS date WHERE false');
CREATE OR REPLACE VIEW auth_events AS FROM query(getvariable('cdflow_auth_events_sql'));

-- agent_stats: every documented column, also over files of an older core that lack the newer counters (NULL there:
-- unknown, not 0), and an empty view until the first file exists.
SET VARIABLE cdflow_agent_stats_empty = 'SELECT NULL::TIMESTAMP AS stats_time, NULL::VARCHAR AS node,
    NULL::TIMESTAMP AS agent_start_time, NULL::BIGINT AS agent_events_seen, NULL::BIGINT AS agent_dropped,
    NULL::BIGINT AS offered, NULL::BIGINT AS accepted, NULL::BIGINT AS dropped_queue_full, NULL::BIGINT AS rejected,
    NULL::BIGINT AS skipped_records, NULL::BIGINT AS written, NULL::BIGINT AS files, NULL::BIGINT AS skipped_fields,
    NULL::BIGINT AS dropped_write_failed, NULL::BIGINT AS dropped_disk_bound, NULL::BIGINT AS removed_rows,
    NULL::BIGINT AS removed_files, NULL::BIGINT AS recovered_rows, NULL::BIGINT AS agent_dropped_busy,
    NULL::BIGINT AS agent_dropped_not_running, NULL::BIGINT AS agent_dropped_submit_error,
    NULL::BIGINT AS agent_dropped_other, NULL::VARCHAR AS hook_families, NULL::VARCHAR AS skipped_hook_families,
    NULL::DATE AS date WHERE false';
SET VARIABLE cdflow_agent_stats_sql = getvariable('cdflow_agent_stats_empty') || ' UNION ALL BY NAME '
    || cdflow_table_sql('agent_stats', getvariable('cdflow_agent_stats_empty'));
CREATE OR REPLACE VIEW agent_stats AS FROM query(getvariable('cdflow_agent_stats_sql'));

-- flows: written by the core under <lineage>/flows (docs/schema.md); until a lineage has it, an empty view.
SET VARIABLE cdflow_flows_sql = cdflow_table_sql('flows', 'SELECT NULL::TIMESTAMP AS window_start,
    NULL::TIMESTAMP AS window_end, NULL::VARCHAR AS node, NULL::VARCHAR AS edge_kind, NULL::VARCHAR AS source_kind,
    NULL::VARCHAR AS source, NULL::VARCHAR AS target_kind, NULL::VARCHAR AS target, NULL::VARCHAR AS keyspace_name,
    NULL::VARCHAR AS table_name, NULL::BIGINT AS token, NULL::BIGINT AS count, NULL::BIGINT AS bytes,
    NULL::BIGINT AS latency_count, NULL::BIGINT AS latency_p50_us, NULL::BIGINT AS latency_p99_us,
    NULL::BIGINT AS latency_max_us, NULL::BIGINT[] AS latency_bucket_us, NULL::BIGINT[] AS latency_bucket_count,
    NULL::DATE AS date WHERE false');
CREATE OR REPLACE VIEW flows AS FROM query(getvariable('cdflow_flows_sql'));

-- What an `events` row did (docs/schema.md, "What a row did"): the same rules as rust-core/core/src/enrich/access.rs, which
-- `cdflow audit`, `summary`, `antipatterns` and `graph` use; tests/vectors/access.json holds cases both must answer
-- alike (tests/e2e/test_access_vectors.py runs these macros on them).
--   cdflow_role:      'request' (a client request, on its coordinator: coordinator_write, cas, the
--                     coordinator_read of a SELECT), 'apply' (a write reaching a replica's data: replica_write,
--                     paxos_commit, hint_replay without error), 'replica_read', 'internal' (a step inside a request:
--                     the read an LWT's condition or a list read-before-write makes, which has neither rows_returned
--                     nor error and is no range scan; counter forwarding, batchlog, stored hints, expired hints),
--                     'unknown'
--   cdflow_operation: 'read', 'write' or 'delete' of a request or an apply (delete: a DELETE statement, or a write
--                     whose every cell is a tombstone); NULL otherwise
--   cdflow_write_path: how a client write came: 'statement', 'counter', 'logged_batch', 'unlogged_batch',
--                     'counter_batch', 'lwt', 'lwt_batch' (a conditional batch); NULL for other kinds
--   cdflow_outcome:   of a request: 'ok', 'not_applied' (an LWT whose condition did not hold: an attempted write,
--                     nothing written), 'failed' (ended with an error); NULL otherwise
CREATE OR REPLACE MACRO cdflow_role(kind, error, rows_returned, range_scan) AS
    CASE WHEN kind IN ('coordinator_write', 'cas') THEN 'request'
         WHEN kind = 'coordinator_read'
              AND (rows_returned IS NOT NULL OR error IS NOT NULL OR coalesce(range_scan, false)) THEN 'request'
         WHEN kind IN ('replica_write', 'paxos_commit') OR (kind = 'hint_replay' AND error IS NULL) THEN 'apply'
         WHEN kind = 'replica_read' THEN 'replica_read'
         WHEN kind IN ('coordinator_read', 'hint_replay', 'counter_forward', 'counter_leader_apply', 'batchlog_store',
                       'batchlog_remove', 'hint_write') THEN 'internal'
         ELSE 'unknown' END;
CREATE OR REPLACE MACRO cdflow_operation(kind, statement_type, tombstones, cells, cell_tombstones, error, rows_returned,
                                         range_scan) AS
    CASE WHEN cdflow_role(kind, error, rows_returned, range_scan) NOT IN ('request', 'apply') THEN NULL
         WHEN kind = 'coordinator_read' THEN 'read'
         WHEN statement_type = 'DELETE' THEN 'delete'
         WHEN kind = 'cas' THEN 'write'
         WHEN coalesce(tombstones, 0) > 0 AND coalesce(cells, 0) <= coalesce(cell_tombstones, 0) THEN 'delete'
         ELSE 'write' END;
CREATE OR REPLACE MACRO cdflow_write_path(kind, statement_type, counter_write) AS
    CASE WHEN kind = 'cas' THEN CASE WHEN starts_with(statement_type, 'BATCH_') THEN 'lwt_batch' ELSE 'lwt' END
         WHEN kind <> 'coordinator_write' THEN NULL
         WHEN statement_type = 'BATCH_LOGGED' THEN 'logged_batch'
         WHEN statement_type = 'BATCH_UNLOGGED' THEN 'unlogged_batch'
         WHEN statement_type = 'BATCH_COUNTER' THEN 'counter_batch'
         WHEN coalesce(counter_write, false) THEN 'counter'
         ELSE 'statement' END;
CREATE OR REPLACE MACRO cdflow_outcome(kind, cas_applied, error, rows_returned, range_scan) AS
    CASE WHEN cdflow_role(kind, error, rows_returned, range_scan) <> 'request' THEN NULL
         WHEN error IS NOT NULL THEN 'failed'
         WHEN kind = 'cas' AND cas_applied IS NULL THEN 'failed'
         WHEN kind = 'cas' AND NOT cas_applied THEN 'not_applied'
         ELSE 'ok' END;

-- Every events row with what it did (the macros above): access_role, operation, write_path, outcome.
CREATE OR REPLACE VIEW classified_events AS
    SELECT *,
           cdflow_role(kind, error, rows_returned, range_scan) AS access_role,
           cdflow_operation(kind, statement_type, tombstones, cells, cell_tombstones, error, rows_returned,
                            range_scan) AS operation,
           cdflow_write_path(kind, statement_type, counter_write) AS write_path,
           cdflow_outcome(kind, cas_applied, error, rows_returned, range_scan) AS outcome
    FROM events;

-- Client writes, every write path: the coordinator's row (one per table a mutation touches) of plain statements,
-- counter updates and batches (coordinator_write), and of lightweight transactions (cas: INSERT … IF NOT EXISTS,
-- UPDATE/DELETE … IF, conditional batches; outcome 'not_applied' when the condition did not hold). `operation` is
-- `delete` for a DELETE statement or a write of tombstones only, else `write` (the same rule as `cdflow audit`).
CREATE OR REPLACE VIEW writes AS
    SELECT * FROM classified_events WHERE access_role = 'request' AND operation IN ('write', 'delete');

-- Client reads (the coordinator's row of a SELECT); `range_scan` tells scans from single-partition reads. The
-- condition read of a Paxos v1 LWT is not here (it is part of the LWT, a `writes` row).
CREATE OR REPLACE VIEW reads AS
    SELECT * FROM classified_events WHERE access_role = 'request' AND operation = 'read';

-- Writes reaching a replica's data: replica_write, paxos_commit (an LWT committed), hint_replay (a hint delivered);
-- `operation` as in `writes`.
CREATE OR REPLACE VIEW applies AS
    SELECT * FROM classified_events WHERE access_role = 'apply';

-- Every client request, with who made it (identity map columns filled when the role is mapped), its write path
-- and outcome.
CREATE OR REPLACE VIEW requests AS
    SELECT event_time, node, kind, operation, write_path, outcome, keyspace_name, table_name, token,
           partition_key_hash, user_name, owner, team, identity_kind, external_identity, client_address, session_id, statement_type,
           consistency, bytes, rows, rows_returned, tombstones, cas_applied, error
    FROM classified_events WHERE access_role = 'request';

-- SSTable lineage as edges: a flush turns the memtable into SSTables (parent_sstable NULL), a compaction turns
-- its inputs into its outputs. SSTable ids are node- and table-local: join on node, keyspace, table and id.
CREATE OR REPLACE VIEW sstable_edges AS
    SELECT event_time, node, keyspace_name, table_name, 'flush' AS via, flush_id AS via_id,
           NULL::VARCHAR AS parent_sstable, unnest(output_sstables) AS sstable_id
    FROM flushes
    UNION ALL
    SELECT event_time, node, keyspace_name, table_name, 'compaction', compaction_id,
           parent_sstable, unnest(output_sstables)
    FROM (SELECT *, unnest(input_sstables) AS parent_sstable FROM compactions);

-- The agent's accounting (docs/schema.md, "Accounting"): the last row of each agent instance (counters are totals
-- since it started), with
--   dropped     = every loss cause: agent_dropped + dropped_queue_full + rejected + skipped_records
--                 + dropped_write_failed + dropped_disk_bound
--   unaccounted = agent_events_seen - (written - recovered_rows) - dropped: 0 once the agent stopped (balanced)
-- Both are NULL when a counter they need is unknown (a file of an older core), and unknown_columns names it.
CREATE OR REPLACE VIEW agent_totals AS
    SELECT node, agent_start_time, stats_time, agent_events_seen, offered, accepted, written, files,
           agent_dropped, dropped_queue_full, rejected, skipped_records, skipped_fields,
           dropped_write_failed, dropped_disk_bound, removed_rows, removed_files, recovered_rows,
           agent_dropped_busy, agent_dropped_not_running, agent_dropped_submit_error, agent_dropped_other,
           agent_dropped + dropped_queue_full + rejected + skipped_records + dropped_write_failed
               + dropped_disk_bound AS dropped,
           agent_events_seen - (written - recovered_rows) - dropped AS unaccounted,
           concat_ws(', ',
               CASE WHEN dropped_write_failed IS NULL THEN 'dropped_write_failed' END,
               CASE WHEN dropped_disk_bound IS NULL THEN 'dropped_disk_bound' END,
               CASE WHEN removed_rows IS NULL THEN 'removed_rows' END,
               CASE WHEN removed_files IS NULL THEN 'removed_files' END,
               CASE WHEN recovered_rows IS NULL THEN 'recovered_rows' END,
               CASE WHEN agent_dropped_busy IS NULL THEN 'agent_dropped_busy' END,
               CASE WHEN agent_dropped_not_running IS NULL THEN 'agent_dropped_not_running' END,
               CASE WHEN agent_dropped_submit_error IS NULL THEN 'agent_dropped_submit_error' END,
               CASE WHEN agent_dropped_other IS NULL THEN 'agent_dropped_other' END) AS unknown_columns
    FROM agent_stats
    QUALIFY row_number() OVER (PARTITION BY node, agent_start_time ORDER BY stats_time DESC, written DESC) = 1;

-- sum(x) over a group, NULL (unknown) when any row's x is NULL: DuckDB's sum would skip it and undercount.
CREATE OR REPLACE MACRO cdflow_known_sum(x) AS CASE WHEN count(x) = count(*) THEN sum(x) END;

-- Who is behind each role, as the identity map said when the rows were written.
CREATE OR REPLACE VIEW identities AS
    SELECT user_name, any_value(owner) AS owner, any_value(team) AS team, any_value(identity_kind) AS identity_kind,
           any_value(external_identity) AS external_identity
    FROM (SELECT user_name, owner, team, identity_kind, external_identity FROM events WHERE user_name IS NOT NULL
          UNION ALL
          SELECT user_name, owner, team, identity_kind, external_identity FROM auth_events WHERE user_name IS NOT NULL)
    GROUP BY user_name;
