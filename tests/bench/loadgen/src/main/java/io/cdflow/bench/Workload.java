package io.cdflow.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The statements: 1-row inserts into {@code (pk bigint, ck bigint, v blob)} with skewed partition keys, and for
 * the {@code mixed} workload one row delete in ten (a tombstone). Keys follow P(k) ~ 1/(k+1) over
 * {@code partitions} keys: a few hot partitions, a long tail.
 */
final class Workload {
    private static final Duration DDL_TIMEOUT = Duration.ofSeconds(60);

    private final PreparedStatement insert;
    private final PreparedStatement delete;
    private final boolean mixed;
    private final double logKeys;
    private final int valueBytes;

    private Workload(PreparedStatement insert, PreparedStatement delete, Options options) {
        this.insert = insert;
        this.delete = delete;
        this.mixed = options.workload().equals("mixed");
        this.logKeys = Math.log(options.partitions() + 1.0);
        this.valueBytes = options.valueBytes();
    }

    /** Creates the keyspace (SimpleStrategy, RF 1) and table when missing, then prepares the statements. */
    static Workload prepare(CqlSession session, Options options) {
        String keyspace = options.get("keyspace");
        String table = keyspace + "." + options.get("table");
        session.execute(SimpleStatement.newInstance("CREATE KEYSPACE IF NOT EXISTS " + keyspace
                + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}").setTimeout(DDL_TIMEOUT));
        session.execute(SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + table
                + " (pk bigint, ck bigint, v blob, PRIMARY KEY (pk, ck))").setTimeout(DDL_TIMEOUT));
        session.checkSchemaAgreement();
        PreparedStatement insert = session.prepare("INSERT INTO " + table + " (pk, ck, v) VALUES (?, ?, ?)");
        PreparedStatement delete = session.prepare("DELETE FROM " + table + " WHERE pk = ? AND ck = ?");
        return new Workload(insert, delete, options);
    }

    /** The next request: a fresh bound statement (bound statements are immutable, so this is thread-safe). */
    Request next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long pk = (long) Math.floor(Math.exp(random.nextDouble() * logKeys)) - 1;
        if (mixed && random.nextInt(10) == 0) {
            // a row delete writes a tombstone whether or not the row exists
            return new Request(delete.bind(pk, (long) random.nextInt(1_000_000)), true);
        }
        byte[] value = new byte[valueBytes];
        random.nextBytes(value);
        BoundStatement statement = insert.bind(pk, (long) random.nextInt(1_000_000), ByteBuffer.wrap(value));
        return new Request(statement, false);
    }

    record Request(BoundStatement statement, boolean delete) {
    }
}
