package io.cdflow.agent.advice;

import io.cdflow.agent.capture.HintCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code HintsService.write(Collection, Hint)}: forwards to {@link HintCapture}. No logic here. */
public final class HintWriteAdvice {
    private HintWriteAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object hostIds,
                             @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object hint) {
        HintCapture.written(hostIds, hint);
    }
}
