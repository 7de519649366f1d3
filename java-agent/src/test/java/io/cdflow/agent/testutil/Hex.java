package io.cdflow.agent.testutil;

import java.nio.ByteBuffer;

/** Hex helpers for tests. */
public final class Hex {
    private Hex() {
    }

    public static byte[] decode(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    public static String encode(ByteBuffer buf, int offset, int length) {
        StringBuilder sb = new StringBuilder(length * 2);
        for (int i = 0; i < length; i++) {
            sb.append(String.format("%02x", buf.get(offset + i) & 0xFF));
        }
        return sb.toString();
    }
}
