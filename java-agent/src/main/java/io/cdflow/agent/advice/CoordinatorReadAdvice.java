package io.cdflow.agent.advice;

import io.cdflow.agent.capture.ReadCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code StorageProxy.read(Group, ConsistencyLevel, RequestTime)}: forwards to {@link ReadCapture}. */
public final class CoordinatorReadAdvice {
    private CoordinatorReadAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static long enter() {
        return ReadCapture.singleEnter();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object group,
                            @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object consistency,
                            @Advice.Thrown Throwable thrown,
                            @Advice.Enter long startNanos) {
        ReadCapture.singleExit(group, consistency, thrown, startNanos);
    }
}
