package io.cdflow.agent.advice;

import io.cdflow.agent.capture.WriteCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code StorageProxy.mutateWithTriggers}, {@code mutate} and {@code mutateAtomically}: forwards to
 * {@link WriteCapture}. No logic here.
 */
public final class CoordinatorWriteAdvice {
    private CoordinatorWriteAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter() {
        return WriteCapture.enter();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object mutations,
                            @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object consistency,
                            @Advice.Thrown Throwable thrown,
                            @Advice.Enter boolean entered) {
        WriteCapture.exit(mutations, consistency, thrown, entered);
    }
}
