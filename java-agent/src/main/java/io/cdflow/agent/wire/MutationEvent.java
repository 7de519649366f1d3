package io.cdflow.agent.wire;

import java.nio.ByteBuffer;

/**
 * The fields of one MUTATION_EVENT record, as plain mutable fields.
 *
 * <p>One instance per thread is reused for every event that thread captures, so filling it allocates nothing.
 * String-valued fields hold ids from {@link StringIds} ({@link WireFormat#NO_STRING} = absent). Unsigned wire
 * fields ({@code bytes}, counts) are stored in wider Java types and written modulo their wire width by
 * {@link EventEncoder}; callers clamp them first when they can overflow.
 *
 * <p>The key is referenced, not copied: {@code key} from {@code keyOffset} for {@code keyLength} bytes (absolute
 * indexes, the buffer's position is never read nor changed). {@link #clear()} drops the reference so a reused
 * instance never keeps a Cassandra buffer alive.
 *
 * <p>{@link #extension} holds the fields written after the key (docs/wire-format.md, "MUTATION_EVENT extension");
 * when key and extension together exceed a record's payload, the key is shortened.
 */
public final class MutationEvent implements WireRecord {
    public long eventTimeMicros;
    public byte kind;
    public int consistency = WireFormat.CONSISTENCY_UNKNOWN;
    public int flags;
    public int node;
    public int keyspace;
    public int table;
    public int user;
    public int clientAddress;
    public int driverName;
    public int driverVersion;
    public int statementType;
    public int coordinator;
    public int error;
    public long token;
    public long messageId = -1;
    public long latencyMicros = -1;
    public long bytes;
    public long rows;
    public long cells;
    public long tombstones;
    public long ttlCells;
    public int replicas;

    public ByteBuffer key;
    public int keyOffset;
    public int keyLength;

    /** Extension fields, written after the key. */
    public final FieldWriter extension = new FieldWriter(128, WireFormat.MAX_EXTENSION_BYTES);

    /** Resets every field to its "absent" value and drops the key reference. */
    public MutationEvent clear() {
        eventTimeMicros = 0;
        kind = 0;
        consistency = WireFormat.CONSISTENCY_UNKNOWN;
        flags = 0;
        node = keyspace = table = user = clientAddress = driverName = driverVersion = 0;
        statementType = coordinator = error = 0;
        token = 0;
        messageId = -1;
        latencyMicros = -1;
        bytes = rows = cells = tombstones = ttlCells = 0;
        replicas = 0;
        key = null;
        keyOffset = 0;
        keyLength = 0;
        extension.reset();
        return this;
    }

    /** Points the key at {@code buffer}'s remaining bytes (without changing its position). */
    public void setKey(ByteBuffer buffer) {
        key = buffer;
        keyOffset = buffer.position();
        keyLength = buffer.remaining();
    }

    /**
     * Bytes of key that will be written: the key, truncated to what the payload leaves next to the extension
     * ({@link WireFormat#MAX_KEY_BYTES} without one).
     */
    public int encodedKeyLength() {
        return key == null ? 0 : Math.min(keyLength, WireFormat.MAX_KEY_BYTES - extension.length());
    }

    /** Bytes the whole record (header included) takes in a batch. */
    @Override
    public int encodedRecordBytes() {
        return WireFormat.RECORD_HEADER_BYTES + WireFormat.EVENT_FIXED_BYTES + encodedKeyLength() + extension.length();
    }

    @Override
    public int writeRecord(ByteBuffer buf, int offset) {
        return EventEncoder.write(buf, offset, this);
    }
}
