package io.cdflow.agent.advice;

import io.cdflow.agent.capture.FlushCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code ColumnFamilyStore.switchMemtable(FlushReason)}: forwards to {@link FlushCapture}. */
public final class FlushSwitchAdvice {
    private FlushSwitchAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object reason) {
        return FlushCapture.switchEnter(reason);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter boolean entered) {
        FlushCapture.switchExit(entered);
    }
}
