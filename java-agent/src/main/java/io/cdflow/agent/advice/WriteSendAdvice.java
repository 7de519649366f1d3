package io.cdflow.agent.advice;

import io.cdflow.agent.capture.WriteCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code MessagingService.sendWriteWithCallback}: forwards to {@link WriteCapture}. No logic here. */
public final class WriteSendAdvice {
    private WriteSendAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object message) {
        WriteCapture.messageSent(message);
    }
}
