package io.cdflow.agent.wire;

import java.nio.ByteBuffer;

/** One record (header included) that a {@link io.cdflow.agent.handoff.ThreadBuffer} can take. */
public interface WireRecord {
    /** Bytes the whole record (header included) takes in a batch. */
    int encodedRecordBytes();

    /**
     * Writes the record at {@code offset} with absolute puts (the caller guarantees {@link #encodedRecordBytes()}
     * bytes of room); returns the number of bytes written.
     */
    int writeRecord(ByteBuffer buf, int offset);
}
