package io.cdflow.agent.bench;

import io.cdflow.agent.capture.CaptureRuntime;
import io.cdflow.agent.capture.ReplicaCapture;
import io.cdflow.agent.capture.RequestContext;
import io.cdflow.agent.capture.WriteCapture;
import io.cdflow.agent.testutil.CassandraFixture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.cassandra.auth.AuthenticatedUser;
import org.apache.cassandra.cql3.QueryOptions;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.db.Mutation;
import org.apache.cassandra.service.ClientState;
import org.apache.cassandra.service.QueryState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Capture of a coordinator write, on real Cassandra 5.0.9 {@link Mutation}s built from CQL by Cassandra itself
 * ({@link CassandraFixture}), into the real core.
 *
 * <ul>
 *   <li>{@link #coordinatorWrite}: what the StorageProxy advice runs around {@code mutate}: {@code WriteCapture.enter}
 *       and {@code exit}, i.e. extract (key, token, sizes, counts), encode, hand-off;</li>
 *   <li>{@link #clientWriteOnOneNode}: everything the agent does for one client write on a single node, in the
 *       order Cassandra calls it: the client request's identity ({@code RequestContext}), the coordinator write,
 *       the local replica's {@code Mutation.apply()} ({@code ReplicaCapture.localApplied}), i.e. two events.</li>
 * </ul>
 * Shapes: {@code row1} a 1-row INSERT, {@code rows10} 10 rows of one partition (an unlogged batch),
 * {@code deletes} a row, a cell and a range deletion, {@code ttl} a 1-row INSERT USING TTL.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Djava.net.preferIPv4Stack=true",
    "-Dchronicle.analytics.disable=true",
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
    "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
    "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens", "java.base/java.io=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang=ALL-UNNAMED",
    "--add-opens", "java.base/java.util=ALL-UNNAMED",
    "--add-opens", "java.base/java.nio=ALL-UNNAMED"})
public class CoordinatorWriteBenchmark {
    @Param({"row1", "rows10", "deletes", "ttl"})
    public String shape;

    private RunningCore core;
    private List<Mutation> mutations;
    private Mutation mutation;
    private Object statement;
    private QueryState queryState;
    private QueryOptions options;

    @Setup(Level.Trial)
    public void start() throws Exception {
        CassandraFixture.init();
        String cql = cql(shape);
        mutation = CassandraFixture.mutation(cql);
        mutations = List.of(mutation);
        statement = CassandraFixture.prepare(cql);
        queryState = new QueryState(driverConnection());
        options = QueryOptions.forInternalCalls(ConsistencyLevel.ONE, List.<ByteBuffer>of());
        core = new RunningCore();
        CaptureRuntime runtime = new CaptureRuntime(core.strings, core.buffers, false);
        runtime.setNodeAddress("127.0.0.1");
        CaptureRuntime.install(runtime);
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        CaptureRuntime.uninstall();
        core.close();
    }

    @Benchmark
    public void coordinatorWrite() {
        boolean entered = WriteCapture.enter();
        WriteCapture.exit(mutations, ConsistencyLevel.ONE, null, entered);
    }

    @Benchmark
    public void clientWriteOnOneNode() {
        boolean request = RequestContext.enter(statement, queryState, options);
        boolean entered = WriteCapture.enter();
        ReplicaCapture.localApplied(mutation, null);
        WriteCapture.exit(mutations, ConsistencyLevel.ONE, null, entered);
        RequestContext.exit(request);
    }

    static String cql(String shape) {
        switch (shape) {
            case "row1":
                return "INSERT INTO shop.orders (pk, ck, v, w) VALUES (12345, 1, 'a 16-byte value', 2)";
            case "rows10": {
                StringBuilder b = new StringBuilder("BEGIN UNLOGGED BATCH ");
                for (int i = 0; i < 10; i++) {
                    b.append("INSERT INTO shop.orders (pk, ck, v, w) VALUES (12345, ").append(i)
                            .append(", 'a 16-byte value', ").append(i).append("); ");
                }
                return b.append("APPLY BATCH").toString();
            }
            case "deletes":
                return "BEGIN UNLOGGED BATCH "
                        + "DELETE FROM shop.orders WHERE pk = 12345 AND ck = 1; "
                        + "DELETE v FROM shop.orders WHERE pk = 12345 AND ck = 2; "
                        + "DELETE FROM shop.orders WHERE pk = 12345 AND ck > 10 AND ck < 20; "
                        + "APPLY BATCH";
            case "ttl":
                return "INSERT INTO shop.orders (pk, ck, v, w) VALUES (12345, 1, 'a 16-byte value', 2) USING TTL 86400";
            default:
                throw new IllegalArgumentException("unknown shape " + shape);
        }
    }

    /** A client connection as the Java driver opens it, logged in. */
    static ClientState driverConnection() throws ReflectiveOperationException {
        ClientState cs = ClientState.forExternalCalls(new InetSocketAddress("127.0.0.1", 50412));
        cs.setDriverName("Apache Cassandra Java Driver");
        cs.setDriverVersion("4.19.0");
        var user = ClientState.class.getDeclaredField("user");
        user.setAccessible(true);
        user.set(cs, new AuthenticatedUser("cassandra"));
        return cs;
    }
}
