package io.cdflow.agent.advice;

import io.cdflow.agent.capture.RequestContext;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code QueryProcessor.processStatement} and {@code processBatch}: forwards to
 * {@link RequestContext}. No logic here.
 */
public final class ClientRequestAdvice {
    private ClientRequestAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object statement,
                                @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object queryState,
                                @Advice.Argument(value = 2, typing = Assigner.Typing.DYNAMIC) Object options) {
        return RequestContext.enter(statement, queryState, options);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter boolean entered) {
        RequestContext.exit(entered);
    }
}
