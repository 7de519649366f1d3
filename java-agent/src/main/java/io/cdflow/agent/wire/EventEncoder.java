package io.cdflow.agent.wire;

import java.nio.ByteBuffer;

/**
 * Writes MUTATION_EVENT and TAGGED_EVENT records (docs/wire-format.md) with absolute puts into a little-endian
 * buffer.
 *
 * <p>Allocates nothing and never moves the buffer's position. The caller guarantees room for
 * {@link WireRecord#encodedRecordBytes()} bytes at {@code offset}.
 */
public final class EventEncoder {
    private EventEncoder() {
    }

    /**
     * Encodes {@code e} as one record at {@code offset}.
     *
     * @return the number of bytes written, {@link MutationEvent#encodedRecordBytes()}
     */
    public static int write(ByteBuffer buf, int offset, MutationEvent e) {
        int keyLength = e.encodedKeyLength();
        int extensionLength = e.extension.length();
        int payload = WireFormat.EVENT_FIXED_BYTES + keyLength + extensionLength;
        buf.put(offset, WireFormat.TYPE_MUTATION_EVENT);
        buf.putShort(offset + 1, (short) payload);
        int p = offset + WireFormat.RECORD_HEADER_BYTES;
        buf.putLong(p, e.eventTimeMicros);
        buf.put(p + 8, e.kind);
        buf.put(p + 9, (byte) e.consistency);
        buf.putShort(p + 10, (short) e.flags);
        buf.putInt(p + 12, e.node);
        buf.putInt(p + 16, e.keyspace);
        buf.putInt(p + 20, e.table);
        buf.putInt(p + 24, e.user);
        buf.putInt(p + 28, e.clientAddress);
        buf.putInt(p + 32, e.driverName);
        buf.putInt(p + 36, e.driverVersion);
        buf.putInt(p + 40, e.statementType);
        buf.putInt(p + 44, e.coordinator);
        buf.putInt(p + 48, e.error);
        buf.putLong(p + 52, e.token);
        buf.putLong(p + 60, e.messageId);
        buf.putLong(p + 68, e.latencyMicros);
        buf.putInt(p + 76, (int) e.bytes);
        buf.putInt(p + 80, (int) e.rows);
        buf.putInt(p + 84, (int) e.cells);
        buf.putInt(p + 88, (int) e.tombstones);
        buf.putInt(p + 92, (int) e.ttlCells);
        buf.putShort(p + 96, (short) e.replicas);
        buf.putShort(p + 98, (short) keyLength);
        if (keyLength > 0) {
            buf.put(p + WireFormat.EVENT_FIXED_BYTES, e.key, e.keyOffset, keyLength);
        }
        e.extension.copyTo(buf, p + WireFormat.EVENT_FIXED_BYTES + keyLength);
        return WireFormat.RECORD_HEADER_BYTES + payload;
    }

    /**
     * Encodes {@code e} as one TAGGED_EVENT record at {@code offset}.
     *
     * @return the number of bytes written, {@link TaggedEvent#encodedRecordBytes()}
     */
    public static int writeTagged(ByteBuffer buf, int offset, TaggedEvent e) {
        int payload = 1 + e.fields.length();
        buf.put(offset, WireFormat.TYPE_TAGGED_EVENT);
        buf.putShort(offset + 1, (short) payload);
        buf.put(offset + WireFormat.RECORD_HEADER_BYTES, e.table);
        e.fields.copyTo(buf, offset + WireFormat.RECORD_HEADER_BYTES + 1);
        return WireFormat.RECORD_HEADER_BYTES + payload;
    }
}
