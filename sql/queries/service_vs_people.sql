-- Writes by service accounts vs people (identity map `kind`), per table: requests, rows, bytes, deletes.
-- Roles missing from the identity map count as `unmapped`; writes without a role as `no role`.
WITH classified AS (
    SELECT keyspace_name || '.' || table_name AS tbl,
           CASE WHEN identity_kind IS NOT NULL THEN identity_kind
                WHEN user_name IS NOT NULL THEN 'unmapped' ELSE 'no role' END AS kind,
           user_name, team, operation, rows, bytes
    FROM writes
)
SELECT tbl, kind, string_agg(DISTINCT coalesce(user_name, '-'), ', ') AS roles,
       string_agg(DISTINCT team, ', ') AS teams,
       count(*) AS writes, count(*) FILTER (WHERE operation = 'delete') AS deletes,
       sum(rows) AS rows, sum(bytes) AS bytes,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY tbl), 1) AS pct_of_table
FROM classified
GROUP BY tbl, kind
ORDER BY tbl, writes DESC;
