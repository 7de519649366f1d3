-- Events the pipeline lost, per node: the agent's own counters (last row of each agent instance, summed over
-- restarts). dropped = agent_dropped + dropped_queue_full + rejected; a non-zero value means the lineage
-- under-counts by that many events.
SELECT node, count(*) AS agent_instances, sum(agent_events_seen) AS events_seen, sum(accepted) AS accepted,
       sum(written) AS written, sum(agent_dropped) AS agent_dropped, sum(dropped_queue_full) AS dropped_queue_full,
       sum(rejected) AS rejected, sum(dropped) AS dropped, sum(skipped_records) AS skipped_records,
       round(100.0 * sum(dropped) / greatest(sum(agent_events_seen), 1), 3) AS dropped_pct
FROM agent_totals
WHERE node IS NOT NULL AND node <> 'unknown'
GROUP BY node
ORDER BY node;
