package io.cdflow.agent.advice;

import io.cdflow.agent.capture.WriteCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code StorageProxy.sendToHintedReplicas}: forwards to {@link WriteCapture}. No logic here. */
public final class ReplicaContactsAdvice {
    private ReplicaContactsAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object mutation,
                             @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object plan) {
        WriteCapture.replicasContacted(mutation, plan);
    }
}
