package io.cdflow.agent.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.DecodedFields;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Field encoding, checked with the test-side decoder: types, UTF-8, limits, reuse. */
class FieldWriterTest {
    static DecodedFields decode(FieldWriter w) {
        byte[] b = w.toByteArray();
        return DecodedFields.decode(ByteBuffer.wrap(b), 0, b.length);
    }

    @Test
    void everyTypeRoundTrips() {
        FieldWriter w = new FieldWriter(16, 4096);
        w.i64(1, -5);
        w.str(2, 7);
        w.bool(35, true);
        w.bytes(15, new byte[] {0, 0, 0, 42});
        w.text(101, "Ünïcødé_表 🚀");
        w.textList(65, List.of("3", "4", ""));
        DecodedFields f = decode(w);
        assertEquals(-5, f.i64(1));
        assertEquals(7, f.str(2));
        assertTrue(f.bool(35));
        assertArrayEquals(new byte[] {0, 0, 0, 42}, f.bytes(15));
        assertEquals("Ünïcødé_表 🚀", f.text(101));
        assertEquals(List.of("3", "4", ""), f.textList(65));
        assertEquals(List.of(1, 2, 35, 15, 101, 65), f.ids());
    }

    @Test
    void uuidTextIsTheCanonicalForm() {
        FieldWriter w = new FieldWriter(16, 4096);
        for (int i = 0; i < 100; i++) {
            UUID u = UUID.randomUUID();
            w.reset().uuid(32, u.getMostSignificantBits(), u.getLeastSignificantBits());
            assertEquals(u.toString(), decode(w).text(32));
        }
        w.reset().uuid(32, 0x0123456789abcdefL, 0xfedcba9876543210L);
        assertEquals("01234567-89ab-cdef-fedc-ba9876543210", decode(w).text(32));
    }

    @Test
    void unpairedSurrogatesBecomeQuestionMarks() {
        FieldWriter w = new FieldWriter(16, 4096);
        w.text(101, "a\uD800b\uDC00");
        assertEquals("a?b?", decode(w).text(101));
    }

    @Test
    void textIsCutOnACodePointBoundaryToFit() {
        FieldWriter w = new FieldWriter(16, 40);
        w.i64(1, 1);                       // 10 bytes
        assertTrue(w.text(101, "表".repeat(20)));  // 60 bytes of UTF-8, 26 left after the header
        String text = decode(w).text(101);
        assertEquals("表".repeat(8), text);
        assertEquals(10 + 4 + 24, w.length());
        assertFalse(w.i64(2, 1), "no room for another I64");
        assertEquals(1, w.droppedFields());
        assertEquals(38, w.length(), "a field that does not fit leaves nothing behind");
    }

    @Test
    void listsKeepTheEntriesThatFit() {
        FieldWriter w = new FieldWriter(16, 30);
        List<String> ids = new ArrayList<>(Collections.nCopies(10, "abcd"));
        assertTrue(w.textList(73, ids));
        List<String> kept = decode(w).textList(73);
        assertEquals(4, kept.size(), "4 + 4 × 6 = 28 bytes of 30");
        assertEquals(1, w.droppedFields());
    }

    @Test
    void bytesAreShortenedToFit() {
        FieldWriter w = new FieldWriter(16, 100);
        w.bytes(15, ByteBuffer.wrap(new byte[500]), 0, 500);
        assertEquals(96, decode(w).bytes(15).length);
        ByteBuffer direct = ByteBuffer.allocateDirect(8);
        direct.put(3, (byte) 9);
        w.reset().bytes(15, direct, 2, 3);
        assertArrayEquals(new byte[] {0, 9, 0}, decode(w).bytes(15));
    }

    @Test
    void truncateDropsLaterFieldsAndTheArrayGrowsOnlyAsNeeded() {
        FieldWriter w = new FieldWriter(16, 65_534);
        w.str(44, 3);
        int mark = w.length();
        w.text(101, "x".repeat(10_000));
        w.truncate(mark);
        w.i64(39, 1);
        assertEquals(List.of(44, 39), decode(w).ids());
        String big = "y".repeat(70_000);
        w.reset().text(101, big);
        assertEquals(65_534, w.length(), "cut to the writer's limit");
        assertEquals(65_534 - 4, decode(w).text(101).getBytes(StandardCharsets.UTF_8).length);
    }
}
