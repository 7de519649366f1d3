package io.cdflow.agent.advice;

import io.cdflow.agent.capture.ReadCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code MessagingService.sendWithCallback(Message, InetAddressAndPort, RequestCallback,
 * ConnectionType)}: forwards to {@link ReadCapture}. No logic here.
 */
public final class ReadSendAdvice {
    private ReadSendAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object message,
                             @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object to) {
        ReadCapture.readSent(message, to);
    }
}
