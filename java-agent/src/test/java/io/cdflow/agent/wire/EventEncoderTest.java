package io.cdflow.agent.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class EventEncoderTest {
    @Test
    void keyIsReadFromItsPositionWithoutMovingIt() {
        ByteBuffer key = ByteBuffer.allocateDirect(10);
        for (int i = 0; i < 10; i++) {
            key.put(i, (byte) i);
        }
        key.position(3).limit(7);
        MutationEvent e = new MutationEvent();
        e.setKey(key);
        ByteBuffer out = ByteBuffer.allocate(200).order(ByteOrder.LITTLE_ENDIAN);
        int n = EventEncoder.write(out, 5, e);
        assertEquals(3 + 100 + 4, n);
        assertEquals(104, out.getShort(6) & 0xFFFF);
        assertEquals(4, out.getShort(5 + 3 + 98));
        for (int i = 0; i < 4; i++) {
            assertEquals(3 + i, out.get(5 + 3 + 100 + i));
        }
        assertEquals(3, key.position());
        assertEquals(0, out.position());
    }

    @Test
    void oversizedKeysAreTruncatedToFitTheRecord() {
        MutationEvent e = new MutationEvent();
        e.setKey(ByteBuffer.allocate(70_000));
        assertEquals(WireFormat.MAX_KEY_BYTES, e.encodedKeyLength());
        ByteBuffer out = ByteBuffer.allocate(70_000).order(ByteOrder.LITTLE_ENDIAN);
        int n = EventEncoder.write(out, 0, e);
        assertEquals(3 + 0xFFFF, n);
        assertEquals(0xFFFF, out.getShort(1) & 0xFFFF);
        assertEquals(WireFormat.MAX_KEY_BYTES, out.getShort(3 + 98) & 0xFFFF);
    }

    @Test
    void extensionFollowsTheKeyAndShortensOversizedKeys() {
        MutationEvent e = new MutationEvent();
        e.setKey(ByteBuffer.wrap(new byte[] {1, 2}));
        e.extension.i64(FieldIds.TTL_ROWS, 3);
        ByteBuffer out = ByteBuffer.allocate(200).order(ByteOrder.LITTLE_ENDIAN);
        int n = EventEncoder.write(out, 0, e);
        assertEquals(3 + 100 + 2 + 10, n);
        assertEquals(n, e.encodedRecordBytes());
        assertEquals(100 + 2 + 10, out.getShort(1) & 0xFFFF);
        assertEquals(FieldIds.TTL_ROWS, out.get(3 + 102));
        assertEquals(WireFormat.FIELD_I64, out.get(3 + 103));
        assertEquals(3, out.getLong(3 + 104));

        e.setKey(ByteBuffer.allocate(70_000));
        assertEquals(WireFormat.MAX_KEY_BYTES - 10, e.encodedKeyLength());
        ByteBuffer big = ByteBuffer.allocate(70_000).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(3 + 0xFFFF, EventEncoder.write(big, 0, e));
        assertEquals(0xFFFF, big.getShort(1) & 0xFFFF);
        e.clear();
        assertEquals(0, e.extension.length());
    }

    @Test
    void taggedRecordIsTableThenFields() {
        TaggedEvent t = new TaggedEvent().start(WireFormat.TABLE_FLUSHES);
        t.fields.i64(FieldIds.EVENT_TIME, 42);
        t.fields.str(FieldIds.NODE, 1);
        ByteBuffer out = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        int n = t.writeRecord(out, 2);
        assertEquals(3 + 1 + 10 + 6, n);
        assertEquals(n, t.encodedRecordBytes());
        assertEquals(WireFormat.TYPE_TAGGED_EVENT, out.get(2));
        assertEquals(1 + 16, out.getShort(3) & 0xFFFF);
        assertEquals(WireFormat.TABLE_FLUSHES, out.get(5));
        assertEquals(42, out.getLong(8));
        t.start(WireFormat.TABLE_SSTABLES);
        assertEquals(4, t.encodedRecordBytes());
    }

    @Test
    void clearResetsToAbsentValues() {
        MutationEvent e = new MutationEvent();
        e.messageId = 5;
        e.latencyMicros = 7;
        e.consistency = 1;
        e.setKey(ByteBuffer.allocate(3));
        e.clear();
        assertEquals(-1, e.messageId);
        assertEquals(-1, e.latencyMicros);
        assertEquals(WireFormat.CONSISTENCY_UNKNOWN, e.consistency);
        assertEquals(0, e.encodedKeyLength());
    }
}
