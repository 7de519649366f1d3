package io.cdflow.agent.advice;

import io.cdflow.agent.capture.AuthCapture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code PasswordAuthenticator$PlainTextSaslAuthenticator.decodeCredentials(byte[])}: reads the
 * decoded user name (never the password nor the token) and forwards to {@link AuthCapture}. No logic here.
 */
public final class CredentialsAdvice {
    private CredentialsAdvice() {
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.FieldValue(value = "username", typing = Assigner.Typing.DYNAMIC) Object username) {
        AuthCapture.credentialsDecoded(username);
    }
}
