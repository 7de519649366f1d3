package io.cdflow.agent.testutil;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Self-describing fields decoded from bytes (test-side decoder, independent of the encoder): checks every type,
 * length and UTF-8 the way the core does, and rejects a field id seen twice.
 */
public final class DecodedFields {
    /** One field: id, type, value (Long, Integer string id, Boolean, byte[], String, List of String). */
    public record Field(int id, int type, Object value) {
    }

    public final List<Field> list = new ArrayList<>();
    private final Map<Integer, Field> byId = new LinkedHashMap<>();

    public static DecodedFields decode(ByteBuffer buf, int offset, int end) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        DecodedFields f = new DecodedFields();
        int p = offset;
        while (p < end) {
            need(p + 2, end, "field header");
            int id = b.get(p) & 0xFF;
            int type = b.get(p + 1) & 0xFF;
            p += 2;
            Object value;
            switch (type) {
                case 1 -> {
                    need(p + 8, end, "I64");
                    value = b.getLong(p);
                    p += 8;
                }
                case 2 -> {
                    need(p + 4, end, "STR");
                    value = b.getInt(p);
                    p += 4;
                }
                case 3 -> {
                    need(p + 1, end, "BOOL");
                    int v = b.get(p) & 0xFF;
                    if (v > 1) {
                        throw new AssertionError("BOOL value " + v);
                    }
                    value = v == 1;
                    p += 1;
                }
                case 4 -> {
                    need(p + 2, end, "BYTES length");
                    int n = b.getShort(p) & 0xFFFF;
                    need(p + 2 + n, end, "BYTES");
                    byte[] bytes = new byte[n];
                    b.get(p + 2, bytes);
                    value = bytes;
                    p += 2 + n;
                }
                case 5 -> {
                    need(p + 2, end, "TEXT length");
                    int n = b.getShort(p) & 0xFFFF;
                    need(p + 2 + n, end, "TEXT");
                    value = utf8(b, p + 2, n);
                    p += 2 + n;
                }
                case 6 -> {
                    need(p + 2, end, "TEXT_LIST count");
                    int count = b.getShort(p) & 0xFFFF;
                    p += 2;
                    List<String> items = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        need(p + 2, end, "TEXT_LIST item length");
                        int n = b.getShort(p) & 0xFFFF;
                        need(p + 2 + n, end, "TEXT_LIST item");
                        items.add(utf8(b, p + 2, n));
                        p += 2 + n;
                    }
                    value = items;
                }
                default -> throw new AssertionError("field " + id + " has unknown type " + type);
            }
            Field field = new Field(id, type, value);
            if (f.byId.put(id, field) != null) {
                throw new AssertionError("field " + id + " appears twice");
            }
            f.list.add(field);
        }
        return f;
    }

    public boolean has(int id) {
        return byId.containsKey(id);
    }

    public Field get(int id) {
        Field f = byId.get(id);
        if (f == null) {
            throw new AssertionError("no field " + id + " in " + ids());
        }
        return f;
    }

    public long i64(int id) {
        return (Long) typed(id, 1).value();
    }

    public int str(int id) {
        return (Integer) typed(id, 2).value();
    }

    public boolean bool(int id) {
        return (Boolean) typed(id, 3).value();
    }

    public byte[] bytes(int id) {
        return (byte[]) typed(id, 4).value();
    }

    public String text(int id) {
        return (String) typed(id, 5).value();
    }

    @SuppressWarnings("unchecked")
    public List<String> textList(int id) {
        return (List<String>) typed(id, 6).value();
    }

    public List<Integer> ids() {
        return new ArrayList<>(byId.keySet());
    }

    private Field typed(int id, int type) {
        Field f = get(id);
        if (f.type() != type) {
            throw new AssertionError("field " + id + " has type " + f.type() + ", expected " + type);
        }
        return f;
    }

    private static void need(int upTo, int end, String what) {
        if (upTo > end) {
            throw new AssertionError(what + " is truncated");
        }
    }

    private static String utf8(ByteBuffer b, int offset, int n) {
        byte[] bytes = new byte[n];
        b.get(offset, bytes);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("TEXT is not UTF-8", e);
        }
    }
}
