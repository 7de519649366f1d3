package io.cdflow.agent.advice;

import io.cdflow.agent.capture.ReplicaCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code MutationVerbHandler.applyMutation}: forwards to {@link ReplicaCapture}. No logic here. */
public final class RemoteReplicaAdvice {
    private RemoteReplicaAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object message,
                            @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object respondTo,
                            @Advice.Thrown Throwable thrown) {
        ReplicaCapture.remoteApplied(message, respondTo, thrown);
    }
}
