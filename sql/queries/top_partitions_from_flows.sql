-- Top 10 partitions by client writes per table, from the core's flow graph (`flows`, edge `partition_write`)
-- instead of `events`: reads a few thousand rows per window, so it answers in milliseconds over any span.
-- Approximate: each window and node keeps a table's busiest partitions (Space-Saving, docs/schema.md `flows`)
-- and sums the rest into `other`. A partition's `writes` misses the windows where it fell into `other`, and its
-- per-window counts are upper bounds once a table saw more than 8 × flow_top_partitions partitions there;
-- `table_writes` (top partitions + `other`) is exact. For exact counts use top_partitions.sql (reads `events`).
-- Partitions are their token (`token` of `events`). `summaries`: in how many window × node summaries it was kept.
-- Variables: keyspace_name, table_name (NULL = every table), since, until (TIMESTAMP, UTC, matched against
-- whole windows; NULL = unbounded).
WITH partition_writes AS (
    SELECT keyspace_name, table_name, target, token, count
    FROM flows
    WHERE edge_kind = 'partition_write'
      AND keyspace_name = coalesce(getvariable('keyspace_name'), keyspace_name)
      AND table_name = coalesce(getvariable('table_name'), table_name)
      AND window_start >= coalesce(getvariable('since')::TIMESTAMP, window_start)
      AND window_end <= coalesce(getvariable('until')::TIMESTAMP, window_end)
),
tables AS (
    SELECT keyspace_name, table_name, sum(count) AS table_writes FROM partition_writes GROUP BY ALL
),
partitions AS (
    SELECT keyspace_name, table_name, token, sum(count) AS writes, count(*) AS summaries
    FROM partition_writes WHERE target <> 'other'
    GROUP BY ALL
)
SELECT keyspace_name || '.' || table_name AS tbl,
       row_number() OVER (PARTITION BY keyspace_name, table_name ORDER BY writes DESC, token) AS rank,
       token, writes, summaries, table_writes
FROM partitions JOIN tables USING (keyspace_name, table_name)
QUALIFY rank <= 10
ORDER BY table_writes DESC, tbl, rank;
