package io.cdflow.agent.advice;

import io.cdflow.agent.capture.HintCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code HintVerbHandler.doVerb(Message)}: forwards to {@link HintCapture}. No logic here. */
public final class HintReceiveAdvice {
    private HintReceiveAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object message) {
        return HintCapture.receiveEnter(message);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter boolean entered) {
        HintCapture.receiveExit(entered);
    }
}
