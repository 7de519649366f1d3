package io.cdflow.agent.testutil;

import java.nio.ByteBuffer;

/** A TAGGED_EVENT payload decoded (test-side decoder): its table and fields. */
public final class DecodedTagged {
    public int table;
    public DecodedFields fields;

    public static DecodedTagged decode(ByteBuffer buf, int offset, int payloadLength) {
        if (payloadLength < 1) {
            throw new AssertionError("TAGGED_EVENT without table");
        }
        DecodedTagged t = new DecodedTagged();
        t.table = buf.get(offset) & 0xFF;
        t.fields = DecodedFields.decode(buf, offset + 1, offset + payloadLength);
        if (!t.fields.has(1)) {
            throw new AssertionError("event_time_us (field 1) is missing");
        }
        return t;
    }
}
