package io.cdflow.agent.advice;

import io.cdflow.agent.capture.BatchlogCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code BatchStoreVerbHandler.doVerb} and {@code BatchRemoveVerbHandler.doVerb}: forwards to
 * {@link BatchlogCapture}. No logic here.
 */
public final class BatchlogVerbAdvice {
    private BatchlogVerbAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object message) {
        return BatchlogCapture.verbEnter(message);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter boolean entered) {
        BatchlogCapture.verbExit(entered);
    }
}
