package io.cdflow.agent.advice;

import io.cdflow.agent.capture.WriteCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code Message.outWithFlags(Verb, Object, Dispatcher$RequestTime, List)}, the factory of
 * {@code sendToHintedReplicas}' MUTATION_REQ: forwards the new message to {@link WriteCapture}. No logic here.
 */
public final class WriteMessageAdvice {
    private WriteMessageAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Return(typing = Assigner.Typing.DYNAMIC) Object message) {
        WriteCapture.messageSent(message);
    }
}
