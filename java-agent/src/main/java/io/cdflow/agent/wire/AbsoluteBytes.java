package io.cdflow.agent.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Absolute bulk copies between byte arrays and ByteBuffers that allocate nothing and never move the position of a
 * buffer the agent does not own (Java 11 has no absolute bulk {@code get/put(int, ...)}; a {@code duplicate()}
 * would allocate on every call of the hot path, and moving the position of a buffer Cassandra owns, such as a
 * partition key, would race with Cassandra's own threads). Heap buffers are copied with {@link System#arraycopy};
 * into the agent's own direct buffer with one relative bulk put, its position restored; out of a direct buffer the
 * agent does not own eight bytes at a time with absolute {@code getLong/putLong} (byte arrays viewed through a
 * {@link VarHandle} in the buffer's byte order, so the bytes land unchanged), then the tail byte by byte.
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

    /**
     * {@code dst[dstOffset, dstOffset + n) = src[srcOffset, srcOffset + n)}. {@code dst} is a buffer of the agent
     * that only the calling thread writes (a thread's batch buffer): a direct one is filled by one relative bulk
     * {@code put} (a single memory copy) between moving its position to {@code dstOffset} and restoring it, so to
     * every other reader the position never changed.
     */
    static void copy(byte[] src, int srcOffset, ByteBuffer dst, int dstOffset, int n) {
        check(dstOffset, n, dst.limit());
        check(srcOffset, n, src.length);
        if (dst.hasArray() && !dst.isReadOnly()) {
            System.arraycopy(src, srcOffset, dst.array(), dst.arrayOffset() + dstOffset, n);
            return;
        }
        int position = dst.position();
        dst.position(dstOffset);
        try {
            dst.put(src, srcOffset, n);
        } finally {
            dst.position(position);
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
