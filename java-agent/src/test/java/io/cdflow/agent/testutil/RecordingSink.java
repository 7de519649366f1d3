package io.cdflow.agent.testutil;

import io.cdflow.agent.handoff.BatchSink;
import io.cdflow.agent.wire.WireFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * A {@link BatchSink} that checks every batch's framing, decodes its events and answers with a configurable
 * result code.
 */
public final class RecordingSink implements BatchSink {
    public final List<DecodedEvent> events = new ArrayList<>();
    public final List<DecodedTagged> tagged = new ArrayList<>();
    /** What decoding a submitted batch threw (the hand-off swallows it, so tests check this list). */
    public final List<Throwable> failures = new ArrayList<>();
    public final List<Integer> batchEventCounts = new ArrayList<>();
    public volatile IntSupplier result = () -> 0;
    public volatile Runnable duringSubmit = () -> { };

    @Override
    public synchronized int submit(ByteBuffer batch, int length, int eventCount) {
        try {
            return decodeAndRecord(batch, length, eventCount);
        } catch (RuntimeException | AssertionError e) {
            failures.add(e);
            throw e;
        }
    }

    private int decodeAndRecord(ByteBuffer batch, int length, int eventCount) {
        ByteBuffer b = batch.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != WireFormat.MAGIC) {
            throw new AssertionError("bad magic");
        }
        int records = b.getInt(4);
        if (records != eventCount) {
            throw new AssertionError("record_count " + records + " != eventCount " + eventCount);
        }
        int pos = WireFormat.BATCH_HEADER_BYTES;
        List<DecodedEvent> decoded = new ArrayList<>();
        List<DecodedTagged> decodedTagged = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            int type = b.get(pos) & 0xFF;
            int payload = b.getShort(pos + 1) & 0xFFFF;
            if (type == WireFormat.TYPE_MUTATION_EVENT) {
                decoded.add(DecodedEvent.decode(b, pos + 3, payload));
            } else if (type == WireFormat.TYPE_TAGGED_EVENT) {
                decodedTagged.add(DecodedTagged.decode(b, pos + 3, payload));
            } else {
                throw new AssertionError("record " + i + " has type " + type);
            }
            pos += 3 + payload;
        }
        if (pos != length) {
            throw new AssertionError("records end at " + pos + ", batch length is " + length);
        }
        duringSubmit.run();
        int r = result.getAsInt();
        if (r == 0) {
            events.addAll(decoded);
            tagged.addAll(decodedTagged);
        }
        batchEventCounts.add(eventCount);
        return r;
    }

    public synchronized List<DecodedEvent> events() {
        return new ArrayList<>(events);
    }

    public synchronized List<DecodedTagged> tagged() {
        return new ArrayList<>(tagged);
    }
}
