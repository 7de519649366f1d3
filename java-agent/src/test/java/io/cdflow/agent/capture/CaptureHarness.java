package io.cdflow.agent.capture;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.handoff.ThreadBuffers;
import io.cdflow.agent.testutil.DecodedEvent;
import io.cdflow.agent.testutil.DecodedTagged;
import io.cdflow.agent.testutil.RecordingSink;
import io.cdflow.agent.wire.StringIds;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A capture runtime wired to a recording sink, installed for one test. */
final class CaptureHarness implements AutoCloseable {
    final Map<Integer, String> strings = new ConcurrentHashMap<>();
    final RecordingSink sink = new RecordingSink();
    final StringIds ids = new StringIds((batch, length) -> {
        int id = batch.getInt(11);
        byte[] text = new byte[(batch.getShort(9) & 0xFFFF) - 4];
        batch.get(15, text);
        strings.put(id, new String(text, java.nio.charset.StandardCharsets.UTF_8));
        return null;
    });
    final ThreadBuffers buffers = new ThreadBuffers(sink, 16384);
    final CaptureRuntime runtime;

    CaptureHarness(boolean includeSystemKeyspaces) {
        runtime = new CaptureRuntime(ids, buffers, includeSystemKeyspaces);
        runtime.setNodeAddress("127.0.0.1");
        CaptureRuntime.install(runtime);
    }

    CaptureHarness() {
        this(false);
    }

    /** Submits what the buffers hold and returns every event recorded so far. */
    List<DecodedEvent> events() {
        flush();
        return sink.events();
    }

    /** Submits what the buffers hold and returns every tagged record recorded so far. */
    List<DecodedTagged> tagged() {
        flush();
        return sink.tagged();
    }

    /** Tagged records of {@code table} whose kind (field 5) is {@code kind} (null: any). */
    List<DecodedTagged> tagged(int table, String kind) {
        List<DecodedTagged> out = new java.util.ArrayList<>();
        for (DecodedTagged t : tagged()) {
            if (t.table == table && (kind == null || (t.fields.has(5) && kind.equals(text(t.fields.str(5)))))) {
                out.add(t);
            }
        }
        return out;
    }

    private void flush() {
        buffers.flushIdle();
        synchronized (sink) {
            if (!sink.failures.isEmpty()) {
                throw new AssertionError("a submitted batch did not decode", sink.failures.get(0));
            }
        }
    }

    /** The text of a string id (null for 0). */
    String text(int id) {
        if (id == 0) {
            return null;
        }
        String s = strings.get(id);
        assertTrue(s != null, "string id " + id + " was used but never defined");
        return s;
    }

    @Override
    public void close() {
        CaptureRuntime.uninstall();
    }
}
