-- Top partitions by client writes (every write path: statements, counters, batches, LWTs), by client reads (SELECTs;
-- not an LWT's condition read) and by bytes written (10 of each), across every node.
-- Partitions are identified by their keyed hash (never the raw key) and token.
-- Optional variables: keyspace_name, table_name (NULL = every table).
WITH per_partition AS (
    SELECT keyspace_name, table_name, partition_key_hash, any_value(token) AS token,
           count(*) FILTER (WHERE operation <> 'read') AS writes,
           count(*) FILTER (WHERE operation = 'read') AS reads,
           coalesce(sum(bytes) FILTER (WHERE operation <> 'read'), 0) AS bytes_written,
           coalesce(sum(tombstones) FILTER (WHERE operation <> 'read'), 0) AS tombstones
    FROM requests
    WHERE partition_key_hash IS NOT NULL
      AND keyspace_name = coalesce(getvariable('keyspace_name'), keyspace_name)
      AND table_name = coalesce(getvariable('table_name'), table_name)
    GROUP BY ALL
),
ranked AS (
    SELECT 'writes' AS top_by, row_number() OVER (ORDER BY writes DESC, partition_key_hash) AS rank, * FROM per_partition
    UNION ALL
    SELECT 'reads', row_number() OVER (ORDER BY reads DESC, partition_key_hash), * FROM per_partition WHERE reads > 0
    UNION ALL
    SELECT 'bytes', row_number() OVER (ORDER BY bytes_written DESC, partition_key_hash), * FROM per_partition
)
SELECT top_by, rank, keyspace_name || '.' || table_name AS tbl, partition_key_hash, token, writes, reads,
       bytes_written, tombstones
FROM ranked WHERE rank <= 10
ORDER BY CASE top_by WHEN 'writes' THEN 1 WHEN 'reads' THEN 2 ELSE 3 END, rank;
