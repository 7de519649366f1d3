package io.cdflow.agent.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Absolute bulk copies between byte arrays and ByteBuffers that neither use nor move any buffer's position and
 * allocate nothing (Java 11 has no absolute bulk {@code get/put(int, ...)}; a {@code duplicate()} would allocate
 * on every call of the hot path, and moving the position of a buffer Cassandra owns, such as a partition key, would
 * race with Cassandra's own threads). Heap buffers are copied with {@link System#arraycopy}; a direct buffer eight
 * bytes at a time with absolute {@code getLong/putLong} (byte arrays viewed through a {@link VarHandle} in the
 * buffer's byte order, so the bytes land unchanged), then the tail byte by byte.
 */
final class AbsoluteBytes {
    private static final VarHandle LONGS_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private AbsoluteBytes() {
    }

    /** {@code dst[dstOffset, dstOffset + n) = src[srcOffset, srcOffset + n)}. */
    static void copy(ByteBuffer src, int srcOffset, byte[] dst, int dstOffset, int n) {
        if (src.hasArray()) {
            System.arraycopy(src.array(), src.arrayOffset() + srcOffset, dst, dstOffset, n);
            return;
        }
        check(srcOffset, n, src.limit());
        check(dstOffset, n, dst.length);
        VarHandle longs = longsIn(src.order());
        int i = 0;
        for (; i <= n - Long.BYTES; i += Long.BYTES) {
            longs.set(dst, dstOffset + i, src.getLong(srcOffset + i));
        }
        for (; i < n; i++) {
            dst[dstOffset + i] = src.get(srcOffset + i);
        }
    }

    /** {@code dst[dstOffset, dstOffset + n) = src[srcOffset, srcOffset + n)}. */
    static void copy(byte[] src, int srcOffset, ByteBuffer dst, int dstOffset, int n) {
        if (dst.hasArray() && !dst.isReadOnly()) {
            check(dstOffset, n, dst.limit());
            System.arraycopy(src, srcOffset, dst.array(), dst.arrayOffset() + dstOffset, n);
            return;
        }
        check(dstOffset, n, dst.limit());
        check(srcOffset, n, src.length);
        VarHandle longs = longsIn(dst.order());
        int i = 0;
        for (; i <= n - Long.BYTES; i += Long.BYTES) {
            dst.putLong(dstOffset + i, (long) longs.get(src, srcOffset + i));
        }
        for (; i < n; i++) {
            dst.put(dstOffset + i, src[srcOffset + i]);
        }
    }

    /** {@code dst[dstOffset, dstOffset + n) = src[srcOffset, srcOffset + n)}. */
    static void copy(ByteBuffer src, int srcOffset, ByteBuffer dst, int dstOffset, int n) {
        if (src.hasArray()) {
            check(srcOffset, n, src.limit());
            copy(src.array(), src.arrayOffset() + srcOffset, dst, dstOffset, n);
            return;
        }
        check(srcOffset, n, src.limit());
        check(dstOffset, n, dst.limit());
        boolean swap = src.order() != dst.order();
        int i = 0;
        for (; i <= n - Long.BYTES; i += Long.BYTES) {
            long v = src.getLong(srcOffset + i);
            dst.putLong(dstOffset + i, swap ? Long.reverseBytes(v) : v);
        }
        for (; i < n; i++) {
            dst.put(dstOffset + i, src.get(srcOffset + i));
        }
    }

    /** Byte arrays viewed as longs in {@code order}. */
    private static VarHandle longsIn(ByteOrder order) {
        return order == ByteOrder.LITTLE_ENDIAN ? LONGS_LE : LONGS_BE;
    }

    /** The bounds check the JDK's absolute bulk methods make (an exception, never a partial copy). */
    private static void check(int offset, int n, int limit) {
        if (offset < 0 || n < 0 || offset > limit - n) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + n + ", limit " + limit);
        }
    }
}
