package io.cdflow.agent.advice;

import io.cdflow.agent.capture.ReplicaReadCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code StorageProxy.LocalReadRunnable.runMayThrow()}: forwards to {@link ReplicaReadCapture}. */
public final class LocalReadAdvice {
    private LocalReadAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.FieldValue(value = "command", typing = Assigner.Typing.DYNAMIC) Object command) {
        return ReplicaReadCapture.localEnter(command);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter boolean entered) {
        ReplicaReadCapture.exit(entered);
    }
}
