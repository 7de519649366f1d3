package io.cdflow.agent.wire;

import java.nio.ByteBuffer;

/**
 * One TAGGED_EVENT record (docs/wire-format.md): a table and its fields, reusable (one instance per thread).
 *
 * <p>{@code event_time} (field 1) is required by the core: builders write it first.
 */
public final class TaggedEvent implements WireRecord {
    public byte table;
    public final FieldWriter fields = new FieldWriter(512, WireFormat.MAX_TAGGED_FIELD_BYTES);

    /** Starts a new record for {@code table}, dropping the previous fields. */
    public TaggedEvent start(byte table) {
        this.table = table;
        fields.reset();
        return this;
    }

    @Override
    public int encodedRecordBytes() {
        return WireFormat.RECORD_HEADER_BYTES + 1 + fields.length();
    }

    @Override
    public int writeRecord(ByteBuffer buf, int offset) {
        return EventEncoder.writeTagged(buf, offset, this);
    }
}
