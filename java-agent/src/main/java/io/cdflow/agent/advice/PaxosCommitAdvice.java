package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CasCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code StorageProxy.commitPaxos} and {@code PaxosCommit.commit}: forwards to {@link CasCapture}. */
public final class PaxosCommitAdvice {
    private PaxosCommitAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object commit) {
        CasCapture.committed(commit);
    }
}
