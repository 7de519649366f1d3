package io.cdflow.agent.advice;

import io.cdflow.agent.capture.HintCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code Hint.create(Mutation, long)}: forwards to {@link HintCapture}. No logic here. */
public final class HintCreatedAdvice {
    private HintCreatedAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Return(typing = Assigner.Typing.DYNAMIC) Object hint,
                            @Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object mutation,
                            @Advice.Argument(1) long creationTime) {
        HintCapture.created(hint, mutation, creationTime);
    }
}
