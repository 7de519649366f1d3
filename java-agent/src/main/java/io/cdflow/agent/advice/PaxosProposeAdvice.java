package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CasCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code StorageProxy.proposePaxos(Commit, ForPaxosWrite, boolean backoffIfPartial, RequestTime)}
 * (Paxos v1; {@code backoffIfPartial} is false when finishing another request's round): forwards to
 * {@link CasCapture}. No logic here.
 */
public final class PaxosProposeAdvice {
    private PaxosProposeAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object proposal,
                             @Advice.Argument(2) boolean backoffIfPartial) {
        CasCapture.proposed(proposal, backoffIfPartial);
    }
}
