package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CompactionCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code CompactionLogger.compaction(long, Collection, long, Collection)}: forwards to {@link CompactionCapture}. */
public final class CompactionLoggedAdvice {
    private CompactionLoggedAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object input,
                             @Advice.Argument(value = 3, typing = Assigner.Typing.DYNAMIC) Object output) {
        CompactionCapture.logged(input, output);
    }
}
