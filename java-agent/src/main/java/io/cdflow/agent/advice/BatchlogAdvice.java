package io.cdflow.agent.advice;

import io.cdflow.agent.capture.BatchCapture;
import io.cdflow.agent.capture.BatchlogCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code StorageProxy.syncWriteToBatchlog}: forwards to {@link BatchCapture} and
 * {@link BatchlogCapture}. No logic here.
 */
public final class BatchlogAdvice {
    private BatchlogAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 2, typing = Assigner.Typing.DYNAMIC) Object uuid) {
        BatchCapture.batchlogWritten(uuid);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Argument(value = 2, typing = Assigner.Typing.DYNAMIC) Object uuid) {
        BatchlogCapture.written(uuid);
    }
}
