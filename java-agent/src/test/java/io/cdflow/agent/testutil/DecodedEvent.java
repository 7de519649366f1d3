package io.cdflow.agent.testutil;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** A MUTATION_EVENT payload decoded field by field (test-side decoder, independent of the encoder). */
public final class DecodedEvent {
    public long eventTimeMicros;
    public int kind;
    public int consistency;
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
    public long messageId;
    public long latencyMicros;
    public long bytes;
    public long rows;
    public long cells;
    public long tombstones;
    public long ttlCells;
    public int replicas;
    public byte[] key;
    /** The extension fields after the key (empty when there are none). */
    public DecodedFields extension;

    /** Decodes the payload of one MUTATION_EVENT record (its first byte at {@code offset}). */
    public static DecodedEvent decode(ByteBuffer buf, int offset, int payloadLength) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        DecodedEvent e = new DecodedEvent();
        e.eventTimeMicros = b.getLong(offset);
        e.kind = b.get(offset + 8) & 0xFF;
        e.consistency = b.get(offset + 9) & 0xFF;
        e.flags = b.getShort(offset + 10) & 0xFFFF;
        e.node = b.getInt(offset + 12);
        e.keyspace = b.getInt(offset + 16);
        e.table = b.getInt(offset + 20);
        e.user = b.getInt(offset + 24);
        e.clientAddress = b.getInt(offset + 28);
        e.driverName = b.getInt(offset + 32);
        e.driverVersion = b.getInt(offset + 36);
        e.statementType = b.getInt(offset + 40);
        e.coordinator = b.getInt(offset + 44);
        e.error = b.getInt(offset + 48);
        e.token = b.getLong(offset + 52);
        e.messageId = b.getLong(offset + 60);
        e.latencyMicros = b.getLong(offset + 68);
        e.bytes = b.getInt(offset + 76) & 0xFFFF_FFFFL;
        e.rows = b.getInt(offset + 80) & 0xFFFF_FFFFL;
        e.cells = b.getInt(offset + 84) & 0xFFFF_FFFFL;
        e.tombstones = b.getInt(offset + 88) & 0xFFFF_FFFFL;
        e.ttlCells = b.getInt(offset + 92) & 0xFFFF_FFFFL;
        e.replicas = b.getShort(offset + 96) & 0xFFFF;
        int keyLength = b.getShort(offset + 98) & 0xFFFF;
        if (payloadLength < 100 + keyLength) {
            throw new AssertionError("MUTATION_EVENT length " + payloadLength + " < 100 + key_length " + keyLength);
        }
        e.key = new byte[keyLength];
        b.get(offset + 100, e.key);
        e.extension = DecodedFields.decode(b, offset + 100 + keyLength, offset + payloadLength);
        return e;
    }
}
