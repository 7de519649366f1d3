package io.cdflow.agent.wire;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Appends self-describing fields ({@code id u8 | type u8 | value}, docs/wire-format.md "Tagged records and
 * extensions") to a reusable little-endian byte array.
 *
 * <p>Invariants: the array only grows (doubling, up to {@code maxBytes}), so a reused writer allocates nothing once
 * warm; a field is written whole or not at all: one that does not fit in {@code maxBytes} is skipped and counted in
 * {@link #droppedFields()}; variable-length values (TEXT, BYTES, TEXT_LIST) are shortened to fit instead of being
 * dropped (TEXT on a code point boundary, TEXT_LIST by leaving out trailing entries). Text is encoded to UTF-8 here,
 * without allocating; an unpaired surrogate becomes {@code '?'} so the result is always valid UTF-8.
 */
public final class FieldWriter {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int MAX_U16 = 0xFFFF;

    private final int maxBytes;
    private byte[] buf;
    private int length;
    private long droppedFields;

    public FieldWriter(int initialBytes, int maxBytes) {
        if (initialBytes < 16 || maxBytes < initialBytes) {
            throw new IllegalArgumentException("bad sizes " + initialBytes + ", " + maxBytes);
        }
        this.maxBytes = maxBytes;
        this.buf = new byte[initialBytes];
    }

    /** Forgets every field (keeps the array). */
    public FieldWriter reset() {
        length = 0;
        return this;
    }

    /** Bytes written so far. */
    public int length() {
        return length;
    }

    /** Drops the fields written after the first {@code newLength} bytes (a value {@link #length()} returned). */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("truncate to " + newLength + " of " + length);
        }
        length = newLength;
    }

    /** Fields skipped because they did not fit. */
    public long droppedFields() {
        return droppedFields;
    }

    /** The largest number of bytes this writer holds. */
    public int maxBytes() {
        return maxBytes;
    }

    public boolean i64(int id, long value) {
        if (!reserve(10)) {
            return false;
        }
        head(id, WireFormat.FIELD_I64);
        putLong(value);
        return true;
    }

    /** A STR field (string id; 0 = NULL). */
    public boolean str(int id, int stringId) {
        if (!reserve(6)) {
            return false;
        }
        head(id, WireFormat.FIELD_STR);
        putInt(stringId);
        return true;
    }

    /** A STR field, left out when {@code stringId} is 0 (NULL). */
    public boolean strIfPresent(int id, int stringId) {
        return stringId == WireFormat.NO_STRING || str(id, stringId);
    }

    public boolean bool(int id, boolean value) {
        if (!reserve(3)) {
            return false;
        }
        head(id, WireFormat.FIELD_BOOL);
        buf[length++] = (byte) (value ? 1 : 0);
        return true;
    }

    /** A BYTES field from {@code src[offset, offset + len)} (absolute indexes; the position is not used). */
    public boolean bytes(int id, ByteBuffer src, int offset, int len) {
        if (!reserve(4)) {
            return false;
        }
        int n = Math.min(Math.min(len, MAX_U16), room() - 4);
        grow(length + 4 + n);
        head(id, WireFormat.FIELD_BYTES);
        putShort(n);
        AbsoluteBytes.copy(src, offset, buf, length, n);
        length += n;
        return true;
    }

    /** A BYTES field from a byte array (tests, cold paths). */
    public boolean bytes(int id, byte[] src) {
        return bytes(id, ByteBuffer.wrap(src), 0, src.length);
    }

    /** A TEXT field; {@code null} writes nothing. */
    public boolean text(int id, CharSequence s) {
        if (s == null || !reserve(4)) {
            return false;
        }
        int limit = Math.min(MAX_U16, room() - 4);
        int n = utf8Length(s, limit);
        grow(length + 4 + n);
        head(id, WireFormat.FIELD_TEXT);
        putShort(n);
        putUtf8(s, n);
        return true;
    }

    /** A TEXT field holding the canonical text of the UUID {@code msb}/{@code lsb} (36 characters, lower case). */
    public boolean uuid(int id, long msb, long lsb) {
        if (!reserve(4 + 36)) {
            return false;
        }
        head(id, WireFormat.FIELD_TEXT);
        putShort(36);
        hex(msb >>> 32, 8);
        buf[length++] = '-';
        hex(msb >>> 16, 4);
        buf[length++] = '-';
        hex(msb, 4);
        buf[length++] = '-';
        hex(lsb >>> 48, 4);
        buf[length++] = '-';
        hex(lsb, 12);
        return true;
    }

    /** A TEXT_LIST field; entries that no longer fit are left out (null entries are written as empty). */
    public boolean textList(int id, List<? extends CharSequence> items) {
        if (items == null || !reserve(4)) {
            return false;
        }
        int start = length;
        head(id, WireFormat.FIELD_TEXT_LIST);
        int countAt = length;
        putShort(0);
        int count = 0;
        for (CharSequence item : items) {
            if (count == MAX_U16) {
                break;
            }
            CharSequence s = item == null ? "" : item;
            int n = utf8Length(s, MAX_U16);
            if (n > room() - 2) {
                break;
            }
            grow(length + 2 + n);
            putShort(n);
            putUtf8(s, n);
            count++;
        }
        buf[countAt] = (byte) count;
        buf[countAt + 1] = (byte) (count >>> 8);
        if (count < items.size()) {
            droppedFields++;
        }
        return length > start;
    }

    /** Copies the fields to {@code dst} at {@code offset} (absolute; the position is not used). */
    public void copyTo(ByteBuffer dst, int offset) {
        if (length > 0) {
            AbsoluteBytes.copy(buf, 0, dst, offset, length);
        }
    }

    /** A copy of the bytes written (tests). */
    public byte[] toByteArray() {
        return java.util.Arrays.copyOf(buf, length);
    }

    /** UTF-8 length of {@code s}, cut at a code point boundary to at most {@code limit} bytes. */
    static int utf8Length(CharSequence s, int limit) {
        int bytes = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            int w;
            if (c < 0x80) {
                w = 1;
            } else if (c < 0x800) {
                w = 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                w = 4;
            } else if (Character.isSurrogate(c)) {
                w = 1; // written as '?'
            } else {
                w = 3;
            }
            if (bytes + w > limit) {
                return bytes;
            }
            bytes += w;
            if (w == 4) {
                i++;
            }
        }
        return bytes;
    }

    /** Writes exactly {@code n} bytes of {@code s}'s UTF-8 (n from {@link #utf8Length}). */
    private void putUtf8(CharSequence s, int n) {
        int end = length + n;
        for (int i = 0; length < end; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                buf[length++] = (byte) c;
            } else if (c < 0x800) {
                buf[length++] = (byte) (0xC0 | (c >> 6));
                buf[length++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                buf[length++] = (byte) (0xF0 | (cp >> 18));
                buf[length++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                buf[length++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                buf[length++] = (byte) (0x80 | (cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                buf[length++] = '?';
            } else {
                buf[length++] = (byte) (0xE0 | (c >> 12));
                buf[length++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buf[length++] = (byte) (0x80 | (c & 0x3F));
            }
        }
    }

    private void hex(long v, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            buf[length + i] = HEX[(int) (v & 0xF)];
            v >>>= 4;
        }
        length += digits;
    }

    private int room() {
        return maxBytes - length;
    }

    /** Makes room for {@code bytes} more bytes; false (and the field counted as dropped) when it cannot. */
    private boolean reserve(int bytes) {
        if (bytes > room()) {
            droppedFields++;
            return false;
        }
        grow(length + bytes);
        return true;
    }

    private void grow(int needed) {
        if (needed > buf.length) {
            int size = buf.length;
            while (size < needed) {
                size = Math.min(maxBytes, size * 2);
            }
            buf = java.util.Arrays.copyOf(buf, size);
        }
    }

    private void head(int id, byte type) {
        buf[length++] = (byte) id;
        buf[length++] = type;
    }

    private void putShort(int v) {
        buf[length++] = (byte) v;
        buf[length++] = (byte) (v >>> 8);
    }

    private void putInt(int v) {
        buf[length++] = (byte) v;
        buf[length++] = (byte) (v >>> 8);
        buf[length++] = (byte) (v >>> 16);
        buf[length++] = (byte) (v >>> 24);
    }

    private void putLong(long v) {
        putInt((int) v);
        putInt((int) (v >>> 32));
    }
}
