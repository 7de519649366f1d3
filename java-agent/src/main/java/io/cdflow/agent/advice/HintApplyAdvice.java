package io.cdflow.agent.advice;

import io.cdflow.agent.capture.HintCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code Hint.applyFuture()}, so it can read the hint's package-private fields: forwards to
 * {@link HintCapture}. No logic here.
 */
public final class HintApplyAdvice {
    private HintApplyAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This(typing = Assigner.Typing.DYNAMIC) Object hint,
                             @Advice.FieldValue(value = "mutation", typing = Assigner.Typing.DYNAMIC) Object mutation,
                             @Advice.FieldValue("creationTime") long creationTime) {
        HintCapture.applied(hint, mutation, creationTime);
    }
}
