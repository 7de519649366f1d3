package io.cdflow.agent.advice;

import io.cdflow.agent.capture.ReadCapture;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into the 4-argument constructor of {@code StorageProxy.LocalReadRunnable} (the 3-argument one delegates
 * to it): forwards to {@link ReadCapture}. No logic here.
 *
 * <p>Constructor exit advice cannot catch what the constructor throws (the JVM allows no handler around the super
 * constructor call), hence no {@code onThrowable}: a constructor that throws creates no read to count.
 */
public final class LocalReadCreatedAdvice {
    private LocalReadCreatedAdvice() {
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit() {
        ReadCapture.localReadCreated();
    }
}
