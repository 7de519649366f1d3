package io.cdflow.agent.wire;

/**
 * Constants of the cdflow wire format, version 1 (docs/wire-format.md is the only definition of the bytes).
 *
 * <p>All integers are little-endian; every buffer handed to {@link EventEncoder} or {@link BatchEncoder} must have
 * {@link java.nio.ByteOrder#LITTLE_ENDIAN} order.
 */
public final class WireFormat {
    /** Batch magic 'C' 'D' 'F' '1' read as a little-endian u32. */
    public static final int MAGIC = 0x31464443;
    /** Size of the batch header: magic (4) + record_count (4). */
    public static final int BATCH_HEADER_BYTES = 8;
    /** Size of a record header: type (1) + payload length (2). */
    public static final int RECORD_HEADER_BYTES = 3;
    /** Largest payload a record can carry (u16 length). */
    public static final int MAX_PAYLOAD_BYTES = 0xFFFF;

    public static final byte TYPE_STRING_DEF = 0x01;
    public static final byte TYPE_MUTATION_EVENT = 0x02;
    public static final byte TYPE_TAGGED_EVENT = 0x03;

    /** Field types of tagged records and MUTATION_EVENT extensions. */
    public static final byte FIELD_I64 = 1;
    public static final byte FIELD_STR = 2;
    public static final byte FIELD_BOOL = 3;
    public static final byte FIELD_BYTES = 4;
    public static final byte FIELD_TEXT = 5;
    public static final byte FIELD_TEXT_LIST = 6;

    /** Tables of TAGGED_EVENT records. */
    public static final byte TABLE_EVENTS = 1;
    public static final byte TABLE_FLUSHES = 2;
    public static final byte TABLE_COMPACTIONS = 3;
    public static final byte TABLE_SSTABLES = 4;
    public static final byte TABLE_AUTH_EVENTS = 5;

    /** Largest MUTATION_EVENT extension the agent writes (the key is shortened if both do not fit). */
    public static final int MAX_EXTENSION_BYTES = 4096;
    /** Largest field area of a TAGGED_EVENT (the payload minus its table byte). */
    public static final int MAX_TAGGED_FIELD_BYTES = MAX_PAYLOAD_BYTES - 1;

    /** Fixed part of a MUTATION_EVENT payload; the partition key bytes follow it. */
    public static final int EVENT_FIXED_BYTES = 100;
    /** Longest key a MUTATION_EVENT without extension can carry; longer keys are truncated to this. */
    public static final int MAX_KEY_BYTES = MAX_PAYLOAD_BYTES - EVENT_FIXED_BYTES;
    /** Longest string a STRING_DEF can carry (the id takes 4 payload bytes). */
    public static final int MAX_STRING_BYTES = MAX_PAYLOAD_BYTES - 4;

    public static final byte KIND_COORDINATOR_WRITE = 1;
    public static final byte KIND_REPLICA_WRITE = 2;

    /** Consistency code meaning "unknown" (replicas). */
    public static final int CONSISTENCY_UNKNOWN = 255;

    /** flags bit 0: replica_write applied from this node's own coordinator path. */
    public static final int FLAG_APPLIED_LOCALLY = 1;
    /** flags bit 1: the coordinator call failed; {@code error} names the exception. */
    public static final int FLAG_FAILED = 2;

    /** String id meaning "absent / null". */
    public static final int NO_STRING = 0;

    private WireFormat() {
    }

    /** Bytes a MUTATION_EVENT record with a key of {@code keyLength} bytes occupies, record header included. */
    public static int eventRecordBytes(int keyLength) {
        return RECORD_HEADER_BYTES + EVENT_FIXED_BYTES + Math.min(keyLength, MAX_KEY_BYTES);
    }
}
