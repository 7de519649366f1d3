package io.cdflow.agent.advice;

import io.cdflow.agent.capture.ReplicaCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code Mutation.apply()}: forwards to {@link ReplicaCapture}. No logic here. */
public final class LocalReplicaAdvice {
    private LocalReplicaAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This(typing = Assigner.Typing.DYNAMIC) Object mutation,
                            @Advice.Thrown Throwable thrown) {
        ReplicaCapture.localApplied(mutation, thrown);
    }
}
