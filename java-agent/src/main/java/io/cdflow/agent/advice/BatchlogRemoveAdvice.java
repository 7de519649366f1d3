package io.cdflow.agent.advice;

import io.cdflow.agent.capture.BatchlogCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code BatchlogManager.remove(TimeUUID)}: forwards to {@link BatchlogCapture}. */
public final class BatchlogRemoveAdvice {
    private BatchlogRemoveAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object id) {
        BatchlogCapture.removed(id);
    }
}
