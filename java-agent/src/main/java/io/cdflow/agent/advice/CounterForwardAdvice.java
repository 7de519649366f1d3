package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CounterCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code MessagingService.sendWriteWithCallback(Message, Replica, AbstractWriteResponseHandler)}:
 * forwards to {@link CounterCapture}. No logic here.
 */
public final class CounterForwardAdvice {
    private CounterForwardAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object message,
                             @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object replica) {
        CounterCapture.forwarded(message, replica);
    }
}
