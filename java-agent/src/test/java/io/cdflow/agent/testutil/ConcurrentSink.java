package io.cdflow.agent.testutil;

import io.cdflow.agent.handoff.BatchSink;
import io.cdflow.agent.wire.WireFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A {@link BatchSink} that several threads may call at once (unlike {@link RecordingSink}, it holds no lock): each
 * call copies and decodes the batch on entry, runs {@link #pause} (a sleep or a latch, as the core's copy may be
 * slow), then checks that nobody wrote into the buffer while the call held it, and records the batch with the
 * order in which calls entered. Only MUTATION_EVENT records are expected.
 */
public final class ConcurrentSink implements BatchSink {
    /** One submitted batch: the order its call entered the sink, the calling thread, its events. */
    public record Batch(long entry, String thread, List<DecodedEvent> events) {
    }

    public final ConcurrentLinkedQueue<Batch> batches = new ConcurrentLinkedQueue<>();
    /** Problems found (bad framing, a buffer changed during the call); tests assert it stays empty. */
    public final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    /** Runs inside every call, between the copy and the check; receives the call's entry number. */
    public volatile Consumer<Long> pause = entry -> { };
    private final AtomicLong entries = new AtomicLong();

    @Override
    public int submit(ByteBuffer batch, int length, int eventCount) {
        long entry = entries.getAndIncrement();
        byte[] before = copy(batch, length);
        List<DecodedEvent> events = decode(before, length, eventCount);
        pause.accept(entry);
        if (!Arrays.equals(before, copy(batch, length))) {
            failures.add("batch " + entry + " changed while its submit was running");
        }
        batches.add(new Batch(entry, Thread.currentThread().getName(), events));
        return 0;
    }

    /** Calls that entered the sink so far. */
    public long entered() {
        return entries.get();
    }

    /** Every batch, in the order their calls entered the sink. */
    public List<Batch> inEntryOrder() {
        List<Batch> all = new ArrayList<>(batches);
        all.sort((a, b) -> Long.compare(a.entry(), b.entry()));
        return all;
    }

    private static byte[] copy(ByteBuffer batch, int length) {
        byte[] bytes = new byte[length];
        batch.duplicate().get(0, bytes, 0, length);
        return bytes;
    }

    private List<DecodedEvent> decode(byte[] bytes, int length, int eventCount) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<DecodedEvent> events = new ArrayList<>();
        if (b.getInt(0) != WireFormat.MAGIC || b.getInt(4) != eventCount) {
            failures.add("bad header: magic " + b.getInt(0) + ", record_count " + b.getInt(4) + " for " + eventCount);
            return events;
        }
        int pos = WireFormat.BATCH_HEADER_BYTES;
        for (int i = 0; i < eventCount; i++) {
            int type = b.get(pos) & 0xFF;
            int payload = b.getShort(pos + 1) & 0xFFFF;
            if (type != WireFormat.TYPE_MUTATION_EVENT) {
                failures.add("record " + i + " has type " + type);
                return events;
            }
            events.add(DecodedEvent.decode(b, pos + 3, payload));
            pos += 3 + payload;
        }
        if (pos != length) {
            failures.add("records end at " + pos + ", batch length is " + length);
        }
        return events;
    }
}
