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
        // neighbouring fields are packed into one little-endian store each (same bytes, half the stores)
        buf.putLong(p, e.eventTimeMicros);
        buf.putLong(p + 8, (e.kind & 0xFFL) | (e.consistency & 0xFFL) << 8 | (e.flags & 0xFFFFL) << 16
                | (long) e.node << 32);
        buf.putLong(p + 16, pair(e.keyspace, e.table));
        buf.putLong(p + 24, pair(e.user, e.clientAddress));
        buf.putLong(p + 32, pair(e.driverName, e.driverVersion));
        buf.putLong(p + 40, pair(e.statementType, e.coordinator));
        buf.putInt(p + 48, e.error);
        buf.putLong(p + 52, e.token);
        buf.putLong(p + 60, e.messageId);
        buf.putLong(p + 68, e.latencyMicros);
        buf.putLong(p + 76, pair((int) e.bytes, (int) e.rows));
        buf.putLong(p + 84, pair((int) e.cells, (int) e.tombstones));
        buf.putInt(p + 92, (int) e.ttlCells);
        buf.putInt(p + 96, (e.replicas & 0xFFFF) | keyLength << 16);
        if (keyLength > 0) {
            AbsoluteBytes.copy(e.key, e.keyOffset, buf, p + WireFormat.EVENT_FIXED_BYTES, keyLength);
        }
        e.extension.copyTo(buf, p + WireFormat.EVENT_FIXED_BYTES + keyLength);
        return WireFormat.RECORD_HEADER_BYTES + payload;
    }

    /** {@code low} in bytes 0-3 and {@code high} in bytes 4-7 of a little-endian long. */
    private static long pair(int low, int high) {
        return (low & 0xFFFF_FFFFL) | (long) high << 32;
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
