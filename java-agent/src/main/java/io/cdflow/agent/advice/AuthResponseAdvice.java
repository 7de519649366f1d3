package io.cdflow.agent.advice;

import io.cdflow.agent.capture.AuthCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code AuthResponse.execute(QueryState, RequestTime, boolean)}: forwards to {@link AuthCapture}. */
public final class AuthResponseAdvice {
    private AuthResponseAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter() {
        return AuthCapture.enter();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object queryState,
                            @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object response,
                            @Advice.Thrown Throwable thrown,
                            @Advice.Enter boolean entered) {
        AuthCapture.exit(queryState, response, thrown, entered);
    }
}
