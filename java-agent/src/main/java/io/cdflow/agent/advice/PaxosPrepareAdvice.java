package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CasCapture;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code StorageProxy.preparePaxos}, {@code PaxosPrepare.prepareWithBallot} and
 * {@code PaxosCommitAndPrepare.commitAndPrepare}: forwards to {@link CasCapture}. No logic here.
 */
public final class PaxosPrepareAdvice {
    private PaxosPrepareAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter() {
        CasCapture.prepared();
    }
}
