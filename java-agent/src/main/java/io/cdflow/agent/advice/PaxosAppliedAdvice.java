package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CasCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code PaxosState.applyCommit}: forwards to {@link CasCapture}. No logic here. */
public final class PaxosAppliedAdvice {
    private PaxosAppliedAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object commit) {
        return commit;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter Object commit, @Advice.Thrown Throwable thrown) {
        CasCapture.applied(commit, thrown);
    }
}
