package io.cdflow.agent.advice;

import io.cdflow.agent.capture.FlushCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code Tracker.replaceFlushed(Memtable, Collection)}: forwards to {@link FlushCapture}. */
public final class FlushedAdvice {
    private FlushedAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object memtable,
                             @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object sstables) {
        FlushCapture.flushed(memtable, sstables);
    }
}
