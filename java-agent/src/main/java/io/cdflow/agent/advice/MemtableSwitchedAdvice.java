package io.cdflow.agent.advice;

import io.cdflow.agent.capture.FlushCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code Tracker.switchMemtable(boolean, Memtable)}: forwards to {@link FlushCapture}. */
public final class MemtableSwitchedAdvice {
    private MemtableSwitchedAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) boolean truncating,
                            @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object previous) {
        FlushCapture.memtableSwitched(truncating, previous);
    }
}
