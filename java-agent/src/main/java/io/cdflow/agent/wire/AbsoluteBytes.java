package io.cdflow.agent.wire;

import java.nio.ByteBuffer;

/**
 * Absolute bulk copies between byte arrays and ByteBuffers that neither use nor move a buffer's position and
 * allocate nothing (Java 11 has no absolute bulk {@code get/put(int, ...)}; a {@code duplicate()} would allocate
 * on every call of the hot path). Heap buffers are copied with {@link System#arraycopy}, direct ones byte by byte.
 */
final class AbsoluteBytes {
    private AbsoluteBytes() {
    }

    /** {@code dst[dstOffset, dstOffset + n) = src[srcOffset, srcOffset + n)}. */
    static void copy(ByteBuffer src, int srcOffset, byte[] dst, int dstOffset, int n) {
        if (src.hasArray()) {
            System.arraycopy(src.array(), src.arrayOffset() + srcOffset, dst, dstOffset, n);
            return;
        }
        check(srcOffset, n, src.limit());
        for (int i = 0; i < n; i++) {
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
        for (int i = 0; i < n; i++) {
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
        for (int i = 0; i < n; i++) {
            dst.put(dstOffset + i, src.get(srcOffset + i));
        }
    }

    /** The bounds check the JDK's absolute bulk methods make (an exception, never a partial copy). */
    private static void check(int offset, int n, int limit) {
        if (offset < 0 || n < 0 || offset > limit - n) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + n + ", limit " + limit);
        }
    }
}
