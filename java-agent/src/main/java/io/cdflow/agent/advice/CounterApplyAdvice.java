package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CounterCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code CounterMutation.applyCounterMutation()}: forwards to {@link CounterCapture}. */
public final class CounterApplyAdvice {
    private CounterApplyAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static long enter(@Advice.This(typing = Assigner.Typing.DYNAMIC) Object cm) {
        return CounterCapture.applyEnter(cm);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.This(typing = Assigner.Typing.DYNAMIC) Object cm,
                            @Advice.Thrown Throwable thrown,
                            @Advice.Enter long startNanos) {
        CounterCapture.applyExit(cm, thrown, startNanos);
    }
}
