package io.cdflow.agent.advice;

import io.cdflow.agent.capture.ReadCapture;
import net.bytebuddy.asm.Advice;

/** Inlined into {@code RangeCommandIterator.close()}: forwards to {@link ReadCapture}. No logic here. */
public final class RangeCloseAdvice {
    private RangeCloseAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit() {
        ReadCapture.rangeClosed();
    }
}
