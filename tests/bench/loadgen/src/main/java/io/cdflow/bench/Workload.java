package io.cdflow.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The statements, by write shape ({@code --workload}):
 * <ul>
 *   <li>{@code insert}: 1-row inserts into {@code (pk bigint, ck bigint, v blob)};</li>
 *   <li>{@code mixed}: the same, with one row delete in ten (a tombstone);</li>
 *   <li>{@code tiny}: rows of one {@code bigint} column (the partition key), into {@code <table>_tiny};</li>
 *   <li>{@code wide}: 10-column rows (2 key columns, 8 values of 5 types), into {@code <table>_wide}.</li>
 * </ul>
 * Partition keys follow P(k) ~ 1/(k+1) over {@code partitions} keys: a few hot partitions, a long tail.
 */
final class Workload {
    static final List<String> SHAPES = List.of("insert", "mixed", "tiny", "wide");
    private static final Duration DDL_TIMEOUT = Duration.ofSeconds(60);

    private final String shape;
    private final PreparedStatement insert;
    private final PreparedStatement delete;
    private final double logKeys;
    private final int valueBytes;

    private Workload(String shape, PreparedStatement insert, PreparedStatement delete, Options options) {
        this.shape = shape;
        this.insert = insert;
        this.delete = delete;
        this.logKeys = Math.log(options.partitions() + 1.0);
        this.valueBytes = options.valueBytes();
    }

    /** Creates the keyspace (SimpleStrategy, RF 1) and the shape's table when missing, then prepares statements. */
    static Workload prepare(CqlSession session, Options options) {
        String shape = options.workload();
        String keyspace = options.get("keyspace");
        String table = keyspace + "." + options.get("table");
        ddl(session, "CREATE KEYSPACE IF NOT EXISTS " + keyspace
                + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
        PreparedStatement insert;
        PreparedStatement delete = null;
        switch (shape) {
            case "tiny" -> {
                ddl(session, "CREATE TABLE IF NOT EXISTS " + table + "_tiny (pk bigint PRIMARY KEY)");
                insert = session.prepare("INSERT INTO " + table + "_tiny (pk) VALUES (?)");
            }
            case "wide" -> {
                ddl(session, "CREATE TABLE IF NOT EXISTS " + table + "_wide (pk bigint, ck bigint, a int, b int,"
                        + " c bigint, d double, e text, f text, g boolean, h blob, PRIMARY KEY (pk, ck))");
                insert = session.prepare("INSERT INTO " + table + "_wide (pk, ck, a, b, c, d, e, f, g, h)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            }
            default -> {
                ddl(session, "CREATE TABLE IF NOT EXISTS " + table
                        + " (pk bigint, ck bigint, v blob, PRIMARY KEY (pk, ck))");
                insert = session.prepare("INSERT INTO " + table + " (pk, ck, v) VALUES (?, ?, ?)");
                delete = session.prepare("DELETE FROM " + table + " WHERE pk = ? AND ck = ?");
            }
        }
        session.checkSchemaAgreement();
        return new Workload(shape, insert, delete, options);
    }

    private static void ddl(CqlSession session, String cql) {
        session.execute(SimpleStatement.newInstance(cql).setTimeout(DDL_TIMEOUT));
    }

    /** The next request: a fresh bound statement (bound statements are immutable, so this is thread-safe). */
    Request next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long pk = (long) Math.floor(Math.exp(random.nextDouble() * logKeys)) - 1;
        long ck = random.nextInt(1_000_000);
        if (shape.equals("tiny")) {
            // one column: a random key (so every insert is a new row, as the skew would make it an overwrite)
            return new Request(insert.bind(random.nextLong()), false);
        }
        if (shape.equals("wide")) {
            return new Request(insert.bind(pk, ck, random.nextInt(), random.nextInt(1000), random.nextLong(),
                    random.nextDouble(), "user-" + random.nextInt(100_000), "region-" + random.nextInt(16),
                    random.nextBoolean(), ByteBuffer.wrap(randomBytes(random))), false);
        }
        if (shape.equals("mixed") && random.nextInt(10) == 0) {
            // a row delete writes a tombstone whether or not the row exists
            return new Request(delete.bind(pk, ck), true);
        }
        return new Request(insert.bind(pk, ck, ByteBuffer.wrap(randomBytes(random))), false);
    }

    private byte[] randomBytes(ThreadLocalRandom random) {
        byte[] value = new byte[valueBytes];
        random.nextBytes(value);
        return value;
    }

    record Request(BoundStatement statement, boolean delete) {
    }
}
