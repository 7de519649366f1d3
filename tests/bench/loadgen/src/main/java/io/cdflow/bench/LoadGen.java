package io.cdflow.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Entry point: connect as the given role, create the schema if missing, run warm-up and measured load, print
 * one JSON line on stdout. Exit code 0 when the run completed (errors are counted, not fatal), 2 on a bad
 * command line, 1 when the node could not be used at all.
 */
public final class LoadGen {
    private LoadGen() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        Options options;
        try {
            options = Options.parse(args);
        } catch (Options.UsageException e) {
            if (e.getMessage() != null) {
                System.err.println("loadgen: " + e.getMessage());
            }
            System.err.println(Options.USAGE);
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        try (CqlSession session = connect(options); Progress progress = new Progress(options.progress())) {
            Workload workload = Workload.prepare(session, options);
            Phase[] phases = new Runner(session, workload, options).run(progress);
            System.out.println(ResultLine.of(options, phases[0], phases[1]));
        } catch (RuntimeException e) {
            System.err.println("loadgen: " + e);
            System.exit(1);
        }
    }

    private static CqlSession connect(Options options) {
        DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(12))
                .withString(DefaultDriverOption.REQUEST_CONSISTENCY, "LOCAL_ONE")
                .withInt(DefaultDriverOption.CONNECTION_POOL_LOCAL_SIZE, options.connections())
                .withInt(DefaultDriverOption.CONNECTION_MAX_REQUESTS, Math.max(1024, options.concurrency()))
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(30))
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(30))
                .build();
        return CqlSession.builder()
                .addContactPoint(new InetSocketAddress(options.host(), options.port()))
                .withLocalDatacenter(options.get("dc"))
                .withAuthCredentials(options.get("user"), options.get("password"))
                .withApplicationName("cdflow-loadgen")
                .withConfigLoader(config)
                .build();
    }
}
