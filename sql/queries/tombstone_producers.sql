-- Who writes tombstones: per role (and its team from the identity map) and table, with the kind of each
-- tombstone and the TTL'd cells that will expire into tombstones later.
SELECT coalesce(user_name, '(internal)') AS role, any_value(team) AS team,
       keyspace_name || '.' || table_name AS tbl,
       count(*) FILTER (WHERE tombstones > 0) AS deleting_writes,
       sum(partition_tombstones) AS partition, sum(row_tombstones) AS row, sum(range_tombstones) AS range,
       sum(cell_tombstones) AS cell, sum(tombstones) AS tombstones, sum(ttl_cells) AS ttl_cells
FROM writes
GROUP BY ALL
HAVING sum(tombstones) > 0 OR sum(ttl_cells) > 0
ORDER BY tombstones DESC, ttl_cells DESC, role;
