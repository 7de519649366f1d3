package io.cdflow.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** Command-line options: {@code --key value} pairs, every one with a default. */
final class Options {
    static final String USAGE = String.join("\n",
            "usage: java -jar cdflow-loadgen.jar [--key value]...",
            "  --host 127.0.0.1        node to connect to (contact point and coordinator)",
            "  --port 9042",
            "  --dc datacenter1        local datacenter",
            "  --user cassandra        --password cassandra",
            "  --duration 30           measured seconds",
            "  --warmup 10             seconds of load before measuring (same workload, not counted)",
            "  --concurrency 128       requests in flight",
            "  --rate 0                target ops/s over all requests; 0 = as fast as the node answers",
            "  --workload insert       insert: 1-row inserts (pk, ck, blob); mixed: 90% inserts, 10% row deletes;",
            "                          tiny: one bigint column per row; wide: a 10-column row",
            "  --partitions 100000     partition keys, drawn with a skew: P(k) ~ 1/(k+1)",
            "  --value-bytes 100       size of the blob value",
            "  --keyspace cdflow_bench --table events   created (RF 1) if missing",
            "  --connections 1         connections to the node",
            "  --progress 0            print throughput every N seconds to stderr (0 = never)",
            "Prints one JSON line with ops, ops/s, latency percentiles (µs) and errors.");

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("host", "127.0.0.1");
        DEFAULTS.put("port", "9042");
        DEFAULTS.put("dc", "datacenter1");
        DEFAULTS.put("user", "cassandra");
        DEFAULTS.put("password", "cassandra");
        DEFAULTS.put("duration", "30");
        DEFAULTS.put("warmup", "10");
        DEFAULTS.put("concurrency", "128");
        DEFAULTS.put("rate", "0");
        DEFAULTS.put("workload", "insert");
        DEFAULTS.put("partitions", "100000");
        DEFAULTS.put("value-bytes", "100");
        DEFAULTS.put("keyspace", "cdflow_bench");
        DEFAULTS.put("table", "events");
        DEFAULTS.put("connections", "1");
        DEFAULTS.put("progress", "0");
    }

    private final Map<String, String> values = new LinkedHashMap<>(DEFAULTS);

    static Options parse(String[] args) {
        Options options = new Options();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                throw new UsageException(null);
            }
            if (!arg.startsWith("--") || i + 1 >= args.length) {
                throw new UsageException("expected --key value, got: " + arg);
            }
            String key = arg.substring(2);
            if (!DEFAULTS.containsKey(key)) {
                throw new UsageException("unknown option --" + key);
            }
            options.values.put(key, args[++i]);
        }
        options.validate();
        return options;
    }

    private void validate() {
        if (!Workload.SHAPES.contains(workload())) {
            throw new UsageException("--workload must be one of " + Workload.SHAPES + ", got " + workload());
        }
        if (concurrency() < 1 || duration() <= 0 || warmup() < 0 || partitions() < 1 || rate() < 0
                || valueBytes() < 0 || connections() < 1 || progress() < 0) {
            throw new UsageException("--concurrency, --duration, --partitions, --connections must be positive; "
                    + "--warmup, --rate, --value-bytes, --progress not negative");
        }
    }

    String get(String key) {
        return values.get(key);
    }

    private int integer(String key) {
        try {
            return Integer.parseInt(values.get(key));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + key + " wants a whole number, got " + values.get(key));
        }
    }

    private double number(String key) {
        try {
            return Double.parseDouble(values.get(key));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + key + " wants a number, got " + values.get(key));
        }
    }

    String host() { return get("host"); }
    int port() { return integer("port"); }
    double duration() { return number("duration"); }
    double warmup() { return number("warmup"); }
    int concurrency() { return integer("concurrency"); }
    double rate() { return number("rate"); }
    String workload() { return get("workload"); }
    int partitions() { return integer("partitions"); }
    int valueBytes() { return integer("value-bytes"); }
    int connections() { return integer("connections"); }
    double progress() { return number("progress"); }

    /** A bad command line: the message (or null for --help) and then the usage. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
