package io.cdflow.agent.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.CassandraFixture;
import io.cdflow.agent.testutil.DecodedFields;
import io.cdflow.agent.testutil.DecodedTagged;
import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.WireFormat;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.util.List;
import org.apache.cassandra.auth.AuthenticatedUser;
import org.apache.cassandra.exceptions.AuthenticationException;
import org.apache.cassandra.exceptions.UnavailableException;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.service.ClientState;
import org.apache.cassandra.service.QueryState;
import org.apache.cassandra.transport.messages.AuthChallenge;
import org.apache.cassandra.transport.messages.AuthSuccess;
import org.apache.cassandra.transport.messages.ErrorMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Logins, driven the way the AuthResponse and decodeCredentials advice drive them, with real responses. */
class AuthCaptureTest {
    @BeforeAll
    static void cassandra() {
        CassandraFixture.init();
    }

    @AfterEach
    void uninstall() {
        CaptureRuntime.uninstall();
    }

    static QueryState connection(String user) throws Exception {
        ClientState cs = ClientState.forExternalCalls(new InetSocketAddress("10.2.3.4", 51000));
        var userField = ClientState.class.getDeclaredField("user");
        userField.setAccessible(true);
        userField.set(cs, user == null ? null : new AuthenticatedUser(user));
        return new QueryState(cs);
    }

    /** One AUTH_RESPONSE on a connection: the decoded user name, then the response. */
    static void authResponse(EmbeddedChannel channel, QueryState qs, String attempted, Object response, Throwable thrown) {
        boolean session = SessionCapture.enter(channel);
        boolean entered = AuthCapture.enter();
        AuthCapture.credentialsDecoded(attempted);
        AuthCapture.exit(qs, response, thrown, entered);
        SessionCapture.exit(session);
    }

    @Test
    void successNamesTheRoleThatLoggedIn() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            EmbeddedChannel channel = new EmbeddedChannel();
            authResponse(channel, connection("svc_orders"), "svc_orders", new AuthSuccess(new byte[0]), null);
            List<DecodedTagged> rows = h.tagged(WireFormat.TABLE_AUTH_EVENTS, null);
            assertEquals(1, rows.size());
            DecodedFields f = rows.get(0).fields;
            assertEquals(List.of(1, 2, 6, 7, 44, 100), f.ids());
            assertEquals("svc_orders", h.text(f.str(FieldIds.USER)));
            assertEquals("10.2.3.4:51000", h.text(f.str(FieldIds.CLIENT_ADDRESS)));
            assertEquals("success", h.text(f.str(FieldIds.OUTCOME)));
            assertTrue(h.text(f.str(FieldIds.SESSION_ID)).matches("[0-9a-f]{16}"));
            assertFalse(f.has(FieldIds.REASON));
        }
    }

    @Test
    void failureNamesTheAttemptedUserAndTheReason() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            EmbeddedChannel channel = new EmbeddedChannel();
            String message = "Provided username alice and/or password are incorrect";
            authResponse(channel, connection(null), "alice",
                    ErrorMessage.fromTransportException(new AuthenticationException(message)), null);
            authResponse(channel, connection(null), null,
                    null, UnavailableException.create(ConsistencyLevel.QUORUM, 2, 1));
            List<DecodedTagged> rows = h.tagged(WireFormat.TABLE_AUTH_EVENTS, null);
            assertEquals(2, rows.size());
            DecodedFields bad = rows.get(0).fields;
            assertEquals("alice", h.text(bad.str(FieldIds.USER)));
            assertEquals("failure", h.text(bad.str(FieldIds.OUTCOME)));
            assertEquals(message, bad.text(FieldIds.REASON));
            DecodedFields unavailable = rows.get(1).fields;
            assertFalse(unavailable.has(FieldIds.USER));
            assertTrue(unavailable.text(FieldIds.REASON).startsWith("UnavailableException: "), unavailable.text(FieldIds.REASON));
            assertEquals(bad.str(FieldIds.SESSION_ID), unavailable.str(FieldIds.SESSION_ID), "same connection");
        }
    }

    @Test
    void aChallengeIsNotAnEventAndNothingIsKept() throws Exception {
        try (CaptureHarness h = new CaptureHarness()) {
            authResponse(new EmbeddedChannel(), connection(null), "bob", new AuthChallenge(new byte[] {1}), null);
            AuthCapture.credentialsDecoded("outside");   // no AuthResponse running: ignored
            assertTrue(h.tagged().isEmpty());
            assertFalse(CaptureThreadState.current().auth.active);
            assertNull(CaptureThreadState.current().auth.user);
            assertEquals(0, h.runtime.captureErrors());
        }
    }

    @Test
    void nothingHappensWithoutARuntime() throws Exception {
        CaptureRuntime.uninstall();
        assertFalse(AuthCapture.enter());
        AuthCapture.exit(connection(null), new AuthSuccess(new byte[0]), null, false);
        assertFalse(CaptureThreadState.current().auth.active);
    }
}
