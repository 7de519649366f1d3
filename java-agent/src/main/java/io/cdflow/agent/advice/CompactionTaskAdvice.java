package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CompactionCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code CompactionTask.runMayThrow()}: reads the task's (inherited, protected) fields and forwards
 * to {@link CompactionCapture}. No logic here.
 */
public final class CompactionTaskAdvice {
    private CompactionTaskAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.FieldValue(value = "transaction", typing = Assigner.Typing.DYNAMIC) Object transaction,
                                @Advice.FieldValue(value = "cfs", typing = Assigner.Typing.DYNAMIC) Object cfs,
                                @Advice.FieldValue(value = "compactionType", typing = Assigner.Typing.DYNAMIC) Object type) {
        return CompactionCapture.taskEnter(transaction, cfs, type);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Thrown Throwable thrown, @Advice.Enter boolean entered) {
        CompactionCapture.taskExit(thrown, entered);
    }
}
