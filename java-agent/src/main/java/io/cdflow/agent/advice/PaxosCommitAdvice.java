package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CasCapture;
import net.bytebuddy.asm.Advice;

/** Inlined into {@code StorageProxy.commitPaxos} and {@code PaxosCommit.commit}: forwards to {@link CasCapture}. */
public final class PaxosCommitAdvice {
    private PaxosCommitAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter() {
        CasCapture.committed();
    }
}
