package io.cdflow.agent.advice;

import io.cdflow.agent.capture.CasCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** Inlined into {@code StorageProxy.cas}: forwards to {@link CasCapture}. No logic here. */
public final class CasAdvice {
    private CasAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object keyspace,
                                @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object table,
                                @Advice.Argument(value = 2, typing = Assigner.Typing.DYNAMIC) Object key,
                                @Advice.Argument(value = 4, typing = Assigner.Typing.DYNAMIC) Object serial,
                                @Advice.Argument(value = 5, typing = Assigner.Typing.DYNAMIC) Object commit) {
        return CasCapture.enter(keyspace, table, key, serial, commit);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Return(typing = Assigner.Typing.DYNAMIC) Object result,
                            @Advice.Thrown Throwable thrown,
                            @Advice.Enter boolean entered) {
        CasCapture.exit(result, thrown, entered);
    }
}
