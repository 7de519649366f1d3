package io.cdflow.agent.advice;

import io.cdflow.agent.capture.BatchlogCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code BatchlogManager.store(Batch, boolean)}: forwards to {@link BatchlogCapture}. */
public final class BatchlogStoreAdvice {
    private BatchlogStoreAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object batch) {
        BatchlogCapture.stored(batch);
    }
}
