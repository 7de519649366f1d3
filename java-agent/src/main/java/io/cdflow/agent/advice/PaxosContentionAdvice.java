package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CasCapture;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code ContentionStrategy.waitForContention(long, int attempts, ...)} (Paxos v2): forwards to
 * {@link CasCapture}. No logic here.
 */
public final class PaxosContentionAdvice {
    private PaxosContentionAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) int attempts) {
        CasCapture.contended(attempts);
    }
}
