package io.cdflow.agent.handoff;

import java.nio.ByteBuffer;

/**
 * Where full (or idle) per-thread batches go: {@code NativeCore::submit} in the agent, a recorder in tests.
 *
 * <p>Returns one of {@code NativeCore.SUBMIT_*}; 0 means the bytes were copied and the buffer may be reused at once.
 */
@FunctionalInterface
public interface BatchSink {
    int submit(ByteBuffer batch, int length, int eventCount);
}
