package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CounterCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code CounterMutationVerbHandler.applyMutation}: forwards to {@link CounterCapture}. */
public final class CounterVerbAdvice {
    private CounterVerbAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object message,
                                @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object respondTo) {
        return CounterCapture.messageEnter(message, respondTo);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter boolean entered) {
        CounterCapture.messageExit(entered);
    }
}
