package io.cdflow.agent.testutil;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.cassandra.auth.AllowAllAuthenticator;
import org.apache.cassandra.auth.AllowAllAuthorizer;
import org.apache.cassandra.auth.AllowAllCIDRAuthorizer;
import org.apache.cassandra.auth.AllowAllNetworkAuthorizer;
import org.apache.cassandra.config.Config;
import org.apache.cassandra.config.DataStorageSpec;
import org.apache.cassandra.config.DatabaseDescriptor;
import org.apache.cassandra.cql3.BatchQueryOptions;
import org.apache.cassandra.cql3.CQLStatement;
import org.apache.cassandra.cql3.QueryOptions;
import org.apache.cassandra.cql3.QueryProcessor;
import org.apache.cassandra.cql3.statements.BatchStatement;
import org.apache.cassandra.cql3.statements.ModificationStatement;
import org.apache.cassandra.cql3.statements.schema.CreateTableStatement;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.db.CounterMutation;
import org.apache.cassandra.db.IMutation;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.dht.Murmur3Partitioner;
import org.apache.cassandra.schema.KeyspaceMetadata;
import org.apache.cassandra.schema.KeyspaceParams;
import org.apache.cassandra.schema.Schema;
import org.apache.cassandra.schema.SchemaTransformations;
import org.apache.cassandra.schema.TableMetadata;
import org.apache.cassandra.schema.Tables;
import org.apache.cassandra.schema.Types;
import org.apache.cassandra.service.ClientState;
import org.apache.cassandra.transport.Dispatcher;

/**
 * Real Cassandra 5.0 classes in client mode (no daemon, no disk): a schema registered in {@code Schema.instance}
 * and the Mutations that real CQL statements produce, through the same code the coordinator runs
 * ({@code ModificationStatement.getMutations}, {@code BatchStatement.getMutations}).
 *
 * <p>Keyspace {@value #KEYSPACE}: {@code orders (pk int, ck int, s text static, v text, w int, tags set<text>,
 * PRIMARY KEY (pk, ck))}, {@code items (pk int, ck int, q int, PRIMARY KEY (pk, ck))},
 * {@code hits (pk int PRIMARY KEY, n counter)}.
 */
public final class CassandraFixture {
    public static final String KEYSPACE = "shop";
    private static boolean initialized;

    private CassandraFixture() {
    }

    public static synchronized void init() {
        if (initialized) {
            return;
        }
        DatabaseDescriptor.clientInitialization(false, () -> {
            Config config = new Config();
            // derived from commitlog_segment_size by daemon initialization; Mutation's static init reads it
            config.max_mutation_size = new DataStorageSpec.IntKibibytesBound("16MiB");
            return config;
        });
        // what a node without authentication runs with: clients are the "anonymous" role
        DatabaseDescriptor.setAuthenticator(new AllowAllAuthenticator());
        DatabaseDescriptor.setAuthorizer(new AllowAllAuthorizer());
        DatabaseDescriptor.setNetworkAuthorizer(new AllowAllNetworkAuthorizer());
        DatabaseDescriptor.setCIDRAuthorizer(new AllowAllCIDRAuthorizer());
        Tables tables = Tables.of(
                createTable("CREATE TABLE shop.orders (pk int, ck int, s text static, v text, w int, tags set<text>, PRIMARY KEY (pk, ck))"),
                createTable("CREATE TABLE shop.items (pk int, ck int, q int, PRIMARY KEY (pk, ck))"),
                createTable("CREATE TABLE shop.hits (pk int PRIMARY KEY, n counter)"));
        Schema.instance.transform(SchemaTransformations.addKeyspace(
                KeyspaceMetadata.create(KEYSPACE, KeyspaceParams.simple(1), tables), true));
        initialized = true;
    }

    public static TableMetadata table(String name) {
        init();
        return Schema.instance.getTableMetadata(KEYSPACE, name);
    }

    /** The statement Cassandra prepares for {@code cql}. */
    public static CQLStatement prepare(String cql) {
        init();
        return QueryProcessor.parseStatement(cql, ClientState.forInternalCalls());
    }

    /** The mutations a CQL INSERT/UPDATE/DELETE or BATCH (no bind markers) produces, counters unwrapped. */
    public static List<Mutation> mutations(String cql) {
        List<Mutation> out = new ArrayList<>();
        for (IMutation m : rawMutations(cql)) {
            out.add(m instanceof CounterMutation ? ((CounterMutation) m).getMutation() : (Mutation) m);
        }
        return out;
    }

    /** The IMutations as the coordinator gets them (a counter write is a CounterMutation). */
    public static List<? extends IMutation> rawMutations(String cql) {
        CQLStatement statement = prepare(cql);
        ClientState state = ClientState.forInternalCalls();
        QueryOptions options = QueryOptions.forInternalCalls(ConsistencyLevel.QUORUM, List.<ByteBuffer>of());
        long timestamp = 1_764_000_000_000_000L;
        long nowInSeconds = 1_764_000_000L;
        Dispatcher.RequestTime requestTime = Dispatcher.RequestTime.forImmediateExecution();
        if (statement instanceof BatchStatement) {
            BatchStatement batch = (BatchStatement) statement;
            BatchQueryOptions batchOptions = BatchQueryOptions.withoutPerStatementVariables(options);
            return batch.getMutations(state, batchOptions, false, timestamp, nowInSeconds, requestTime);
        }
        try {
            Method getMutations = ModificationStatement.class.getDeclaredMethod("getMutations", ClientState.class,
                    QueryOptions.class, boolean.class, long.class, long.class, Dispatcher.RequestTime.class);
            getMutations.setAccessible(true);
            @SuppressWarnings("unchecked")
            List<? extends IMutation> result = (List<? extends IMutation>) getMutations.invoke(statement, state, options,
                    false, timestamp, nowInSeconds, requestTime);
            return result;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The read the coordinator executes for a SELECT (no bind markers): a {@code SinglePartitionReadCommand.Group}
     * for partition-key restricted selects, a {@code PartitionRangeReadCommand} for scans.
     */
    public static org.apache.cassandra.db.ReadQuery readQuery(String cql) {
        org.apache.cassandra.cql3.statements.SelectStatement select =
                (org.apache.cassandra.cql3.statements.SelectStatement) prepare(cql);
        return select.getQuery(QueryOptions.forInternalCalls(ConsistencyLevel.QUORUM, List.<ByteBuffer>of()), 1_764_000_000L);
    }

    /** The single mutation {@code cql} produces. */
    public static Mutation mutation(String cql) {
        List<Mutation> ms = mutations(cql);
        if (ms.size() != 1) {
            throw new AssertionError(ms.size() + " mutations for " + cql);
        }
        return ms.get(0);
    }

    private static TableMetadata createTable(String cql) {
        CreateTableStatement.Raw raw = QueryProcessor.parseStatement(cql, CreateTableStatement.Raw.class, "CREATE TABLE");
        return raw.prepare(ClientState.forInternalCalls()).builder(Types.none())
                .partitioner(Murmur3Partitioner.instance).build();
    }
}
