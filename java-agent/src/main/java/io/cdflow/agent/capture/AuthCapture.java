package io.cdflow.agent.capture;

import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import io.cdflow.agent.wire.WireFormat;
import org.apache.cassandra.auth.AuthenticatedUser;
import org.apache.cassandra.service.ClientState;
import org.apache.cassandra.service.QueryState;
import org.apache.cassandra.transport.messages.AuthSuccess;
import org.apache.cassandra.transport.messages.ErrorMessage;

/**
 * Logins: one {@code auth_events} row per completed SASL authentication of a native-protocol connection.
 *
 * <ul>
 *   <li>{@link #enter}/{@link #exit}: {@code AuthResponse.execute(QueryState, RequestTime, boolean)} (on the
 *       auth executor, inside {@code Dispatcher.processRequest}, so the connection's session is known). The
 *       response decides: {@code AuthSuccess} = success (user = the role now logged in), {@code ErrorMessage} =
 *       failure (reason = its message: bad credentials, role not allowed to log in, malformed token), an
 *       exception = failure (reason = its class and message); an {@code AuthChallenge} is an intermediate SASL
 *       step and no event.</li>
 *   <li>{@link #credentialsDecoded}: exit of {@code PasswordAuthenticator$PlainTextSaslAuthenticator
 *       .decodeCredentials(byte[])}, on the same thread: the attempted user name (its {@code username} field).
 *       The password and the token bytes are never read.</li>
 * </ul>
 * Authenticators other than PasswordAuthenticator give no attempted name (NULL on failure). Never throws into
 * Cassandra.
 */
public final class AuthCapture {
    static final String SUCCESS = "success";
    static final String FAILURE = "failure";

    private AuthCapture() {
    }

    /** The {@code AuthResponse.execute} running on this thread; keeps nothing after its exit ({@link #exit}). */
    static final class Frame {
        boolean active;
        /** The user name it attempts (null until decoded). */
        String user;
    }

    /** Entry of {@code AuthResponse.execute}. */
    public static boolean enter() {
        if (CaptureRuntime.active() == null) {
            return false;
        }
        Frame f = CaptureThreadState.current().auth;
        if (f.active) {
            return false;
        }
        f.active = true;
        f.user = null;
        return true;
    }

    /** Exit of {@code decodeCredentials}, with the authenticator's {@code username} field. */
    public static void credentialsDecoded(Object username) {
        if (CaptureRuntime.active() == null) {
            return;
        }
        Frame f = CaptureThreadState.current().auth;
        if (f.active && username instanceof String) {
            f.user = (String) username;
        }
    }

    /** Exit of {@code AuthResponse.execute} (normal or exceptional). */
    public static void exit(Object queryState, Object response, Throwable thrown, boolean entered) {
        if (!entered) {
            return;
        }
        CaptureThreadState st = CaptureThreadState.current();
        String attempted = st.auth.user;
        st.auth.active = false;
        st.auth.user = null;
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return;
        }
        try {
            boolean success;
            String reason = null;
            if (thrown != null) {
                success = false;
                reason = thrown.getClass().getSimpleName() + ": " + thrown.getMessage();
            } else if (response instanceof AuthSuccess) {
                success = true;
            } else if (response instanceof ErrorMessage) {
                success = false;
                ErrorMessage error = (ErrorMessage) response;
                reason = error.error == null ? null : error.error.getMessage();
            } else {
                return; // AuthChallenge: the negotiation goes on
            }
            ClientState cs = queryState instanceof QueryState ? ((QueryState) queryState).getClientState() : null;
            String user = attempted;
            if (success && cs != null) {
                AuthenticatedUser logged = cs.getUser();
                if (logged != null) {
                    user = logged.getName();
                }
            }
            FieldWriter f = TaggedRows.start(rt, st, WireFormat.TABLE_AUTH_EVENTS).fields;
            f.strIfPresent(FieldIds.USER, rt.strings.idOf(user));
            if (cs != null) {
                f.strIfPresent(FieldIds.CLIENT_ADDRESS, rt.strings.idOf(cs.getRemoteAddress(), RequestContext::clientAddressText));
            }
            f.strIfPresent(FieldIds.SESSION_ID, st.session.id);
            f.strIfPresent(FieldIds.OUTCOME, rt.strings.idOf(success ? SUCCESS : FAILURE));
            if (reason != null) {
                f.text(FieldIds.REASON, reason);
            }
            TaggedRows.emit(rt, st);
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
        }
    }
}
