package io.cdflow.agent.wire;

import java.nio.ByteBuffer;

/** Writes the batch header and STRING_DEF records of docs/wire-format.md with absolute puts. */
public final class BatchEncoder {
    private BatchEncoder() {
    }

    /** Writes magic and {@code recordCount} at offset 0. */
    public static void writeHeader(ByteBuffer buf, int recordCount) {
        buf.putInt(0, WireFormat.MAGIC);
        buf.putInt(4, recordCount);
    }

    /** Bytes a STRING_DEF record for {@code utf8Length} bytes of text takes, header included. */
    public static int stringDefRecordBytes(int utf8Length) {
        return WireFormat.RECORD_HEADER_BYTES + 4 + utf8Length;
    }

    /**
     * Writes one STRING_DEF record at {@code offset}.
     *
     * @param utf8 the string's UTF-8 bytes, at most {@link WireFormat#MAX_STRING_BYTES}
     * @return the number of bytes written
     */
    public static int writeStringDef(ByteBuffer buf, int offset, int id, byte[] utf8) {
        if (id <= 0) {
            throw new IllegalArgumentException("string id must be > 0: " + id);
        }
        if (utf8.length > WireFormat.MAX_STRING_BYTES) {
            throw new IllegalArgumentException("string of " + utf8.length + " bytes is too long for a STRING_DEF");
        }
        buf.put(offset, WireFormat.TYPE_STRING_DEF);
        buf.putShort(offset + 1, (short) (4 + utf8.length));
        buf.putInt(offset + 3, id);
        AbsoluteBytes.copy(utf8, 0, buf, offset + 7, utf8.length);
        return stringDefRecordBytes(utf8.length);
    }
}
