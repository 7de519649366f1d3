package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CounterCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code CounterMutationVerbHandler.doVerb(Message)} on releases without {@code applyMutation} (4.1.0
 * to 4.1.6; the older hook point of {@link CounterVerbAdvice}): forwards to {@link CounterCapture}.
 */
public final class CounterVerbOlderAdvice {
    private CounterVerbOlderAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object message) {
        return CounterCapture.verbEnter(message);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter boolean entered) {
        CounterCapture.messageExit(entered);
    }
}
