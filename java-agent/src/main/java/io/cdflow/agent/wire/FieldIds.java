package io.cdflow.agent.wire;

/**
 * The field ids of tagged records and MUTATION_EVENT extensions. The registry is declared once, in the core
 * ({@code fields!} in rust-core/core/src/decode/fields.rs), and exported to tests/vectors/fields.json with each
 * field's type and column; {@code FieldIdsTest} fails when a constant here differs from that file (name or id),
 * is missing or is extra. The table decides which fields are meaningful.
 */
public final class FieldIds {
    public static final int EVENT_TIME = 1;                // µs since the epoch
    public static final int NODE = 2;
    public static final int KEYSPACE = 3;
    public static final int TABLE = 4;
    public static final int KIND = 5;
    public static final int USER = 6;
    public static final int CLIENT_ADDRESS = 7;
    public static final int DRIVER_NAME = 8;
    public static final int DRIVER_VERSION = 9;
    public static final int STATEMENT_TYPE = 10;
    public static final int CONSISTENCY = 11;              // protocol code
    public static final int COORDINATOR = 12;
    public static final int ERROR = 13;
    public static final int TOKEN = 14;
    public static final int PARTITION_KEY = 15;
    public static final int MESSAGE_ID = 16;
    public static final int LATENCY_US = 17;
    public static final int BYTES = 18;
    public static final int ROWS = 19;
    public static final int REPLICAS = 20;
    public static final int CELLS = 21;
    public static final int TOMBSTONES = 22;
    public static final int TTL_CELLS = 23;
    public static final int APPLIED_LOCALLY = 24;
    public static final int OUT_MESSAGE_ID = 25;           // coordinator_write, id of the MUTATION_REQ to remote replicas
    public static final int COORDINATOR_GENERATION = 26;   // the coordinator's gossip generation (start, epoch s)
    public static final int FORWARDED_BY = 27;             // replica_write relayed by another node (remote DC)
    public static final int HINT_BYTES = 28;               // serialized size of the hint
    public static final int BATCH_ID = 32;
    public static final int BATCH_PARTITIONS = 33;
    public static final int BATCH_TABLES = 34;
    public static final int RANGE_SCAN = 35;
    public static final int ROWS_RETURNED = 36;
    public static final int TOMBSTONES_SCANNED = 37;
    public static final int LIVE_ROWS = 38;
    public static final int PARTITION_TOMBSTONES = 39;
    public static final int ROW_TOMBSTONES = 40;
    public static final int RANGE_TOMBSTONES = 41;
    public static final int CELL_TOMBSTONES = 42;
    public static final int TTL_ROWS = 43;
    public static final int SESSION_ID = 44;
    public static final int TRACE_SESSION_ID = 45;
    public static final int CAS_APPLIED = 46;
    public static final int PAXOS_ATTEMPTS = 47;
    public static final int HINT_TARGET = 48;
    public static final int HINT_CREATION_TIME = 49;       // ms since the epoch
    public static final int WRITE_TIMESTAMP = 50;          // µs
    public static final int BATCHLOG_ID = 51;
    public static final int SERIAL_CONSISTENCY = 52;       // protocol code
    public static final int PAXOS_PREPARES = 53;
    public static final int PAXOS_PROPOSES = 54;
    public static final int PAXOS_COMMITS = 55;
    public static final int PAXOS_BALLOT = 56;
    public static final int COUNTER_LEADER = 57;
    public static final int COUNTER_WRITE = 58;
    public static final int BATCHLOG_MUTATIONS = 59;
    public static final int FLUSH_ID = 60;
    public static final int FLUSH_REASON = 61;
    public static final int PARTITIONS = 62;
    public static final int OPERATIONS = 63;
    public static final int MEMTABLE_BYTES = 64;
    public static final int OUTPUT_SSTABLES = 65;
    public static final int BYTES_OUT = 66;
    public static final int COMPACTION_ID = 70;
    public static final int OPERATION_TYPE = 71;
    public static final int STRATEGY = 72;
    public static final int INPUT_SSTABLES = 73;
    public static final int BYTES_IN = 74;
    public static final int PARTITIONS_IN = 75;
    public static final int PARTITIONS_OUT = 76;
    public static final int TOMBSTONES_IN_ESTIMATE = 77;
    public static final int TOMBSTONES_OUT_ESTIMATE = 78;
    public static final int DURATION_US = 79;
    public static final int SSTABLE_ID = 90;
    public static final int CHANGE = 91;
    public static final int ORIGIN = 92;
    public static final int ORIGIN_ID = 93;
    public static final int SIZE_BYTES = 94;
    public static final int TOMBSTONE_ESTIMATE = 95;
    public static final int LEVEL = 96;
    public static final int OUTCOME = 100;
    public static final int REASON = 101;
    public static final int PAXOS_VARIANT = 102;

    private FieldIds() {
    }
}
