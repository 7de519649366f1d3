-- Every event the agent saw, per node: written, or dropped with its cause (docs/schema.md, "Accounting"). The last
-- row of each agent instance, summed over restarts. balance: 'balanced' when events_seen = (written - recovered_rows)
-- + dropped (expected once the agent stopped; while a node runs, the difference is in flight), else 'off by N'.
-- A counter an older core did not write is NULL (unknown, never 0), so are the sums it enters; unknown_columns
-- names it. A non-zero dropped means the lineage under-counts by that many events.
SELECT node, count(*) AS agent_instances, cdflow_known_sum(agent_events_seen) AS events_seen,
       cdflow_known_sum(written) AS written, cdflow_known_sum(recovered_rows) AS recovered_rows,
       cdflow_known_sum(removed_rows) AS removed_rows,
       cdflow_known_sum(agent_dropped_busy) AS agent_dropped_busy,
       cdflow_known_sum(agent_dropped_not_running) AS agent_dropped_not_running,
       cdflow_known_sum(agent_dropped_submit_error) AS agent_dropped_submit_error,
       cdflow_known_sum(agent_dropped_other) AS agent_dropped_other,
       cdflow_known_sum(dropped_queue_full) AS dropped_queue_full, cdflow_known_sum(rejected) AS rejected,
       cdflow_known_sum(skipped_records) AS skipped_records,
       cdflow_known_sum(dropped_write_failed) AS dropped_write_failed,
       cdflow_known_sum(dropped_disk_bound) AS dropped_disk_bound,
       cdflow_known_sum(dropped) AS dropped,
       round(100.0 * cdflow_known_sum(dropped) / greatest(sum(agent_events_seen), 1), 3) AS dropped_pct,
       CASE WHEN cdflow_known_sum(unaccounted) IS NULL THEN 'unknown'
            WHEN cdflow_known_sum(unaccounted) = 0 THEN 'balanced'
            ELSE 'off by ' || cdflow_known_sum(unaccounted) END AS balance,
       nullif(string_agg(DISTINCT nullif(unknown_columns, ''), '; '), '') AS unknown_columns
FROM agent_totals
WHERE node IS NOT NULL AND node <> 'unknown'
GROUP BY node
ORDER BY node;
