-- The lineage of one SSTable: walk back through the compactions that produced it to the flushes that wrote
-- its ancestors from the memtable. depth 0 is the SSTable itself.
-- Variables: keyspace_name, table_name, sstable (its id), node (NULL = any). Unset sstable = the newest SSTable a
-- compaction produced.
WITH RECURSIVE
target AS (
    SELECT node, keyspace_name, table_name, sstable_id
    FROM sstable_edges
    WHERE keyspace_name = coalesce(getvariable('keyspace_name'), keyspace_name)
      AND table_name = coalesce(getvariable('table_name'), table_name)
      AND node = coalesce(getvariable('node'), node)
      AND (sstable_id = getvariable('sstable') OR (getvariable('sstable') IS NULL AND via = 'compaction'))
    ORDER BY event_time DESC
    LIMIT 1
),
walk(depth, node, keyspace_name, table_name, sstable_id, via, via_id, parent_sstable, event_time) AS (
    SELECT 0, e.node, e.keyspace_name, e.table_name, e.sstable_id, e.via, e.via_id, e.parent_sstable, e.event_time
    FROM sstable_edges e JOIN target t USING (node, keyspace_name, table_name, sstable_id)
    UNION ALL
    SELECT w.depth + 1, e.node, e.keyspace_name, e.table_name, e.sstable_id, e.via, e.via_id, e.parent_sstable,
           e.event_time
    FROM walk w JOIN sstable_edges e
      ON e.node = w.node AND e.keyspace_name = w.keyspace_name AND e.table_name = w.table_name
     AND e.sstable_id = w.parent_sstable
)
SELECT w.depth, w.node, w.keyspace_name || '.' || w.table_name AS tbl, w.sstable_id,
       w.via AS created_by, w.via_id, w.event_time AS created,
       string_agg(w.parent_sstable, ', ' ORDER BY w.parent_sstable) AS from_sstables,
       any_value(f.flush_reason) AS flush_reason, any_value(f.operations) AS memtable_operations,
       any_value(coalesce(f.bytes_out, c.bytes_out)) AS bytes_out
FROM walk w
LEFT JOIN flushes f ON w.via = 'flush' AND f.flush_id = w.via_id AND f.node = w.node
LEFT JOIN compactions c ON w.via = 'compaction' AND c.compaction_id = w.via_id AND c.node = w.node
GROUP BY w.depth, w.node, w.keyspace_name, w.table_name, w.sstable_id, w.via, w.via_id, w.event_time
ORDER BY w.depth, w.sstable_id;
