package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CounterCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code StorageProxy.applyCounterMutationOnCoordinator}: forwards to {@link CounterCapture}. */
public final class CounterOnCoordinatorAdvice {
    private CounterOnCoordinatorAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object cm) {
        CounterCapture.leaderIsCoordinator(cm);
    }
}
