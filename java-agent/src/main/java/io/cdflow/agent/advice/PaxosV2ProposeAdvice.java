package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CasCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code PaxosPropose.propose(Proposal, Participants, boolean)} (Paxos v2; the request's own
 * proposal is the last one of its frame): forwards to {@link CasCapture}. No logic here.
 */
public final class PaxosV2ProposeAdvice {
    private PaxosV2ProposeAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object proposal) {
        CasCapture.proposed(proposal, true);
    }
}
