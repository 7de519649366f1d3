package io.cdflow.agent.advice;

import io.cdflow.agent.capture.SessionCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code Dispatcher.processRequest(Channel, ...)}: forwards to {@link SessionCapture}. No logic here. */
public final class SessionAdvice {
    private SessionAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object channel) {
        return SessionCapture.enter(channel);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter boolean entered) {
        SessionCapture.exit(entered);
    }
}
