package io.cdflow.agent.advice;

import io.cdflow.agent.capture.BatchCapture;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code BatchStatement.execute(QueryState, BatchQueryOptions, RequestTime)}: forwards to
 * {@link BatchCapture}. No logic here.
 */
public final class BatchAdvice {
    private BatchAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter() {
        return BatchCapture.enter();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter boolean entered) {
        BatchCapture.exit(entered);
    }
}
