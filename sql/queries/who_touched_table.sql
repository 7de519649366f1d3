-- Who read, wrote or deleted a table between two times: per role, operation and write path (statement, counter,
-- logged_batch, unlogged_batch, counter_batch, lwt, lwt_batch; NULL for reads), with the identity map's
-- owner/team/kind, the LWT writes attempted but not applied, the nodes that coordinated, the client hosts and the
-- time span. An LWT is a write here (its Paxos v1 condition read is not a read).
-- Variables: keyspace_name, table_name (NULL = every table), since, until (TIMESTAMP, UTC; NULL = unbounded).
SELECT keyspace_name || '.' || table_name AS tbl, coalesce(user_name, '(no role)') AS role,
       any_value(owner) AS owner, any_value(team) AS team, any_value(identity_kind) AS kind, operation,
       write_path, count(*) AS requests, count(*) FILTER (WHERE outcome = 'not_applied') AS not_applied,
       min(event_time) AS first, max(event_time) AS last,
       string_agg(DISTINCT node, ', ' ORDER BY node) AS coordinators,
       string_agg(DISTINCT split_part(ltrim(client_address, '/'), ':', 1), ', ') AS client_hosts
FROM requests
WHERE keyspace_name = coalesce(getvariable('keyspace_name'), keyspace_name)
  AND table_name = coalesce(getvariable('table_name'), table_name)
  AND event_time >= coalesce(getvariable('since')::TIMESTAMP, event_time)
  AND event_time < coalesce(getvariable('until')::TIMESTAMP, event_time + INTERVAL 1 MICROSECOND)
GROUP BY ALL
ORDER BY tbl, requests DESC, role, operation, write_path;
