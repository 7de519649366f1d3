package io.cdflow.agent.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every copy of {@link AbsoluteBytes}: exact bytes, in every byte order, heap and direct, positions untouched. */
class AbsoluteBytesTest {
    private static final int SIZE = 64;
    private final Random random = new Random(7);

    private ByteBuffer buffer(boolean direct, ByteOrder order, byte[] content) {
        ByteBuffer b = (direct ? ByteBuffer.allocateDirect(SIZE) : ByteBuffer.allocate(SIZE)).order(order);
        for (int i = 0; i < SIZE; i++) {
            b.put(i, content[i]);
        }
        b.position(5); // a position the copies must neither use nor move
        return b;
    }

    private static byte[] bytesOf(ByteBuffer b) {
        byte[] out = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            out[i] = b.get(i);
        }
        return out;
    }

    private byte[] randomBytes() {
        byte[] b = new byte[SIZE];
        random.nextBytes(b);
        return b;
    }

    @Test
    void everyShapeCopiesExactlyTheBytes() {
        ByteOrder[] orders = {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN};
        for (int n = 0; n <= 21; n++) {
            for (int srcOffset : new int[] {0, 3, 11}) {
                for (int dstOffset : new int[] {0, 1, 9}) {
                    for (boolean srcDirect : new boolean[] {false, true}) {
                        for (boolean dstDirect : new boolean[] {false, true}) {
                            for (ByteOrder srcOrder : orders) {
                                for (ByteOrder dstOrder : orders) {
                                    byte[] s = randomBytes();
                                    byte[] d = randomBytes();
                                    byte[] expected = d.clone();
                                    System.arraycopy(s, srcOffset, expected, dstOffset, n);
                                    String shape = n + " bytes " + srcOffset + "→" + dstOffset + " " + srcDirect
                                            + "/" + dstDirect + " " + srcOrder + "/" + dstOrder;

                                    ByteBuffer src = buffer(srcDirect, srcOrder, s);
                                    ByteBuffer dst = buffer(dstDirect, dstOrder, d);
                                    AbsoluteBytes.copy(src, srcOffset, dst, dstOffset, n);
                                    assertArrayEquals(expected, bytesOf(dst), "buffer → buffer, " + shape);
                                    assertEquals(5, src.position(), shape);
                                    assertEquals(5, dst.position(), shape);

                                    dst = buffer(dstDirect, dstOrder, d);
                                    AbsoluteBytes.copy(s, srcOffset, dst, dstOffset, n);
                                    assertArrayEquals(expected, bytesOf(dst), "array → buffer, " + shape);
                                    assertEquals(5, dst.position(), shape);

                                    byte[] array = d.clone();
                                    AbsoluteBytes.copy(src, srcOffset, array, dstOffset, n);
                                    assertArrayEquals(expected, array, "buffer → array, " + shape);
                                    assertEquals(5, src.position(), shape);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void outOfBoundsIsAnExceptionAndNothingIsCopied() {
        ByteBuffer dst = ByteBuffer.allocateDirect(SIZE);
        byte[] before = bytesOf(dst);
        assertThrows(IndexOutOfBoundsException.class, () -> AbsoluteBytes.copy(new byte[20], 0, dst, SIZE - 10, 20));
        assertThrows(IndexOutOfBoundsException.class, () -> AbsoluteBytes.copy(new byte[4], 0, dst, 0, 8));
        assertArrayEquals(before, bytesOf(dst));
        byte[] array = new byte[8];
        assertThrows(IndexOutOfBoundsException.class,
                () -> AbsoluteBytes.copy(ByteBuffer.allocateDirect(SIZE), 0, array, 4, 8));
        assertArrayEquals(new byte[8], array);
        assertEquals(true, Arrays.equals(before, bytesOf(dst)));
    }
}
