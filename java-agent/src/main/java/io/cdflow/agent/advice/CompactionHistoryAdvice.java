package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CompactionCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code CompactionTask.updateCompactionHistory(...)}: forwards to {@link CompactionCapture}. */
public final class CompactionHistoryAdvice {
    private CompactionHistoryAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object taskId,
                             @Advice.Argument(value = 3, typing = Assigner.Typing.DYNAMIC) Object mergedRowCounts,
                             @Advice.Argument(4) long startSize,
                             @Advice.Argument(5) long endSize) {
        CompactionCapture.historyUpdated(taskId, mergedRowCounts, startSize, endSize);
    }
}
