package io.cdflow.agent.advice;

import io.cdflow.agent.capture.ReplicaReadCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code ReadCommandVerbHandler.doVerb(Message)}: forwards to {@link ReplicaReadCapture}. */
public final class RemoteReadAdvice {
    private RemoteReadAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object message) {
        return ReplicaReadCapture.remoteEnter(message);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter boolean entered) {
        ReplicaReadCapture.exit(entered);
    }
}
