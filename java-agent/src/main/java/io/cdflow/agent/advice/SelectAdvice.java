package io.cdflow.agent.advice;

import io.cdflow.agent.capture.ReadCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into the non-bridge {@code SelectStatement.execute(QueryState, QueryOptions, RequestTime)}: forwards to
 * {@link ReadCapture}. No logic here.
 */
public final class SelectAdvice {
    private SelectAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter() {
        return ReadCapture.selectEnter();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Return(typing = Assigner.Typing.DYNAMIC) Object result,
                            @Advice.Thrown Throwable thrown,
                            @Advice.Enter boolean entered) {
        ReadCapture.selectExit(result, thrown, entered);
    }
}
