package io.cdflow.agent.advice;

import io.cdflow.agent.capture.ReplicaCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code MutationVerbHandler.doVerb(Message)} on releases without {@code applyMutation} (4.1.0 to
 * 4.1.6; the older hook point of {@link RemoteReplicaAdvice}): forwards to {@link ReplicaCapture}. No logic here.
 */
public final class RemoteReplicaVerbAdvice {
    private RemoteReplicaVerbAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object message) {
        return ReplicaCapture.remoteVerbEnter(message);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object message,
                            @Advice.Thrown Throwable thrown,
                            @Advice.Enter boolean applies) {
        ReplicaCapture.remoteVerbExit(message, thrown, applies);
    }
}
