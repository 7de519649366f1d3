package io.cdflow.agent.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StringIdsTest {
    /** Decodes every STRING_DEF batch it is given, checking the batch framing. */
    static final class RecordingDefiner implements StringIds.Definer {
        final Map<Integer, String> defined = new LinkedHashMap<>();
        final List<Integer> order = new ArrayList<>();
        String refuseWith;

        @Override
        public synchronized String define(ByteBuffer batch, int length) {
            assertEquals(ByteOrder.LITTLE_ENDIAN, batch.order());
            assertEquals(WireFormat.MAGIC, batch.getInt(0));
            assertEquals(1, batch.getInt(4));
            assertEquals(WireFormat.TYPE_STRING_DEF, batch.get(8));
            int payload = batch.getShort(9) & 0xFFFF;
            assertEquals(length, 8 + 3 + payload);
            int id = batch.getInt(11);
            byte[] text = new byte[payload - 4];
            batch.get(15, text);
            if (refuseWith != null) {
                return refuseWith;
            }
            defined.put(id, new String(text, StandardCharsets.UTF_8));
            order.add(id);
            return null;
        }
    }

    @Test
    void idsStartAtOneAndAreStable() {
        RecordingDefiner core = new RecordingDefiner();
        StringIds ids = new StringIds(core);
        assertEquals(1, ids.idOf("shop"));
        assertEquals(2, ids.idOf("orders"));
        assertEquals(1, ids.idOf(new String("shop")));
        assertEquals(0, ids.idOf((String) null));
        assertEquals(Map.of(1, "shop", 2, "orders"), core.defined);
        assertEquals(2, ids.size());
    }

    @Test
    void keysWithTheSameTextShareAnId() {
        RecordingDefiner core = new RecordingDefiner();
        StringIds ids = new StringIds(core);
        InetSocketAddress a = new InetSocketAddress("127.0.0.1", 53412);
        int id = ids.idOf(a, k -> k.getAddress().getHostAddress() + ":" + k.getPort());
        assertEquals(id, ids.idOf("127.0.0.1:53412"));
        assertEquals(id, ids.idOf(new InetSocketAddress("127.0.0.1", 53412), k -> {
            throw new AssertionError("textOf must not run for a known key");
        }));
        assertEquals(1, core.defined.size());
    }

    @Test
    void definitionReachesTheCoreBeforeTheIdIsVisible() throws Exception {
        Map<Integer, Boolean> definedBeforeUse = new ConcurrentHashMap<>();
        Map<Integer, Boolean> known = new ConcurrentHashMap<>();
        StringIds ids = new StringIds((batch, length) -> {
            known.put(batch.getInt(11), true);
            return null;
        });
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 2000; i++) {
                        int id = ids.idOf("s" + (i % 500));
                        if (!known.containsKey(id)) {
                            failures.incrementAndGet();
                        }
                        definedBeforeUse.put(id, true);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            w.start();
            workers.add(w);
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        assertEquals(0, failures.get());
        assertEquals(500, ids.size());
        assertEquals(500, definedBeforeUse.size());
    }

    @Test
    void capacityOverflowMapsToOther() {
        RecordingDefiner core = new RecordingDefiner();
        StringIds ids = new StringIds(core, 3);
        assertEquals(1, ids.idOf("a"));
        assertEquals(2, ids.idOf("b"));
        assertEquals(3, ids.idOf("c"));
        int other = ids.idOf("d");
        assertEquals(4, other);
        assertEquals(StringIds.OTHER, core.defined.get(other));
        assertEquals(other, ids.idOf("e"));
        assertEquals(1, ids.idOf("a"), "known strings keep their id");
        assertEquals(4, core.defined.size());
    }

    @Test
    void refusedDefinitionGivesAbsentAndIsNotPublished() {
        RecordingDefiner core = new RecordingDefiner();
        core.refuseWith = "core not running";
        StringIds ids = new StringIds(core);
        assertEquals(0, ids.idOf("x"));
        assertEquals(1, ids.defineFailures());
        assertEquals("core not running", ids.lastDefineError());
        assertEquals(0, ids.size());
        core.refuseWith = null;
        assertEquals(0, ids.idOf("x"), "the key is remembered as absent; no definition storm");
        assertEquals(1, ids.idOf("y"), "ids are not burnt by refused definitions");
    }

    @Test
    void longTextsAreTruncatedOnACodePointBoundary() {
        RecordingDefiner core = new RecordingDefiner();
        StringIds ids = new StringIds(core);
        String longText = "é".repeat(40_000); // 80,000 UTF-8 bytes
        int id = ids.idOf(longText);
        String defined = core.defined.get(id);
        byte[] utf8 = defined.getBytes(StandardCharsets.UTF_8);
        assertTrue(utf8.length <= WireFormat.MAX_STRING_BYTES);
        assertEquals(WireFormat.MAX_STRING_BYTES - 1, utf8.length);
        assertTrue(longText.startsWith(defined));
        assertNotEquals(0, id);
        assertFalse(defined.isEmpty());
        assertNull(ids.lastDefineError());
    }
}
