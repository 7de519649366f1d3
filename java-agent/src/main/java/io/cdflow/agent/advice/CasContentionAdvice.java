package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CasCapture;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code StorageProxy.recordCasContention(TableMetadata, DecoratedKey, CASClientRequestMetrics, int
 * contentions)} (Paxos v1): forwards to {@link CasCapture}. No logic here.
 */
public final class CasContentionAdvice {
    private CasContentionAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(3) int contentions) {
        CasCapture.contended(contentions);
    }
}
