package io.cdflow.agent.advice;

import io.cdflow.agent.capture.ReplicaReadCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code ReadCommand$1MetricRecording.onClose()}: reads the recording's own counters (private fields
 * of that class, visible to inlined advice) and forwards to {@link ReplicaReadCapture}. No logic here.
 */
public final class ReadMetricsAdvice {
    private ReadMetricsAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.FieldValue(value = "this$0", typing = Assigner.Typing.DYNAMIC) Object command,
                            @Advice.FieldValue("tombstones") int tombstones,
                            @Advice.FieldValue("liveRows") int liveRows,
                            @Advice.FieldValue("val$startTimeNanos") long startNanos) {
        ReplicaReadCapture.closed(command, tombstones, liveRows, startNanos);
    }
}
