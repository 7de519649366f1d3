package io.cdflow.agent.wire;

/**
 * The field registry of docs/wire-format.md ("Field registry"): id of every field of tagged records and of
 * MUTATION_EVENT extensions. The type of each is given in its comment; the table decides which are meaningful.
 */
public final class FieldIds {
    public static final int EVENT_TIME = 1;            // I64 µs
    public static final int NODE = 2;                  // STR
    public static final int KEYSPACE = 3;              // STR
    public static final int TABLE = 4;                 // STR
    public static final int KIND = 5;                  // STR
    public static final int USER = 6;                  // STR
    public static final int CLIENT_ADDRESS = 7;        // STR
    public static final int DRIVER_NAME = 8;           // STR
    public static final int DRIVER_VERSION = 9;        // STR
    public static final int STATEMENT_TYPE = 10;       // STR
    public static final int CONSISTENCY = 11;          // I64 protocol code
    public static final int COORDINATOR = 12;          // STR
    public static final int ERROR = 13;                // STR
    public static final int TOKEN = 14;                // I64
    public static final int PARTITION_KEY = 15;        // BYTES
    public static final int MESSAGE_ID = 16;           // I64
    public static final int LATENCY_US = 17;           // I64
    public static final int BYTES = 18;                // I64
    public static final int ROWS = 19;                 // I64
    public static final int REPLICAS = 20;             // I64
    public static final int CELLS = 21;                // I64
    public static final int TOMBSTONES = 22;           // I64
    public static final int TTL_CELLS = 23;            // I64
    public static final int APPLIED_LOCALLY = 24;      // BOOL
    public static final int OUT_MESSAGE_ID = 25;       // I64: coordinator_write, id of the MUTATION_REQ to remote replicas
    public static final int COORDINATOR_GENERATION = 26; // I64: the coordinator's gossip generation (start, epoch s)
    public static final int FORWARDED_BY = 27;         // STR: replica_write relayed by another node (remote DC)
    public static final int HINT_BYTES = 28;           // I64: serialized size of the hint
    public static final int BATCH_ID = 32;             // TEXT
    public static final int BATCH_PARTITIONS = 33;     // I64
    public static final int BATCH_TABLES = 34;         // I64
    public static final int RANGE_SCAN = 35;           // BOOL
    public static final int ROWS_RETURNED = 36;        // I64
    public static final int TOMBSTONES_SCANNED = 37;   // I64
    public static final int LIVE_ROWS = 38;            // I64
    public static final int PARTITION_TOMBSTONES = 39; // I64
    public static final int ROW_TOMBSTONES = 40;       // I64
    public static final int RANGE_TOMBSTONES = 41;     // I64
    public static final int CELL_TOMBSTONES = 42;      // I64
    public static final int TTL_ROWS = 43;             // I64
    public static final int SESSION_ID = 44;           // STR
    public static final int TRACE_SESSION_ID = 45;     // TEXT
    public static final int CAS_APPLIED = 46;          // BOOL
    public static final int PAXOS_ATTEMPTS = 47;       // I64
    public static final int HINT_TARGET = 48;          // STR
    public static final int HINT_CREATION_TIME = 49;   // I64 ms
    public static final int WRITE_TIMESTAMP = 50;      // I64 µs
    public static final int FLUSH_ID = 60;             // TEXT
    public static final int FLUSH_REASON = 61;         // STR
    public static final int PARTITIONS = 62;           // I64
    public static final int OPERATIONS = 63;           // I64
    public static final int MEMTABLE_BYTES = 64;       // I64
    public static final int OUTPUT_SSTABLES = 65;      // TEXT_LIST
    public static final int BYTES_OUT = 66;            // I64
    public static final int COMPACTION_ID = 70;        // TEXT
    public static final int OPERATION_TYPE = 71;       // STR
    public static final int STRATEGY = 72;             // STR
    public static final int INPUT_SSTABLES = 73;       // TEXT_LIST
    public static final int BYTES_IN = 74;             // I64
    public static final int PARTITIONS_IN = 75;        // I64
    public static final int PARTITIONS_OUT = 76;       // I64
    public static final int TOMBSTONES_IN_ESTIMATE = 77;  // I64
    public static final int TOMBSTONES_OUT_ESTIMATE = 78; // I64
    public static final int DURATION_US = 79;          // I64
    public static final int SSTABLE_ID = 90;           // TEXT
    public static final int CHANGE = 91;               // STR
    public static final int ORIGIN = 92;               // STR
    public static final int ORIGIN_ID = 93;            // TEXT
    public static final int SIZE_BYTES = 94;           // I64
    public static final int TOMBSTONE_ESTIMATE = 95;   // I64
    public static final int LEVEL = 96;                // I64
    public static final int OUTCOME = 100;             // STR
    public static final int REASON = 101;              // TEXT
    // Lightweight transactions, counters, batchlog.
    public static final int BATCHLOG_ID = 51;          // TEXT
    public static final int SERIAL_CONSISTENCY = 52;   // I64 protocol code
    public static final int PAXOS_PREPARES = 53;       // I64
    public static final int PAXOS_PROPOSES = 54;       // I64
    public static final int PAXOS_COMMITS = 55;        // I64
    public static final int PAXOS_BALLOT = 56;         // TEXT
    public static final int COUNTER_LEADER = 57;       // STR
    public static final int COUNTER_WRITE = 58;        // BOOL
    public static final int BATCHLOG_MUTATIONS = 59;   // I64
    public static final int PAXOS_VARIANT = 102;       // STR

    private FieldIds() {
    }
}
