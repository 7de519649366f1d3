package io.cdflow.agent.advice;

import io.cdflow.agent.capture.ReadCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code StorageProxy.getRangeSlice}: forwards to {@link ReadCapture}. No logic here. */
public final class RangeReadAdvice {
    private RangeReadAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object command,
                             @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object consistency) {
        ReadCapture.rangeStarted(command, consistency);
    }
}
