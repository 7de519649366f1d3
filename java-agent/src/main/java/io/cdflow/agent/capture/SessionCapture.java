package io.cdflow.agent.capture;

import io.netty.channel.Channel;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The client connection ("session") a request arrived on, for {@code session_id}.
 *
 * <p>Entry of {@code Dispatcher.processRequest(Channel, Message$Request, Overload, RequestTime)} (every native
 * protocol request, also STARTUP/AUTH_RESPONSE, on NTR, the auth executor or the event loop): the connection's
 * session is kept as an attribute of its netty channel, so it lives exactly as long as the connection and costs an
 * attribute lookup per request. Its text is 16 random hex digits, created on the connection's first request and
 * interned once; the thread remembers the id until the exit of the same call.
 */
public final class SessionCapture {
    private static final AttributeKey<Session> KEY = AttributeKey.valueOf("cdflow.session");

    /** One connection's session: its text and interned id (0 until interned). */
    static final class Session {
        final String text;
        volatile int id;

        Session(String text) {
            this.text = text;
        }
    }

    private SessionCapture() {
    }

    /** The session of the request on this thread: its interned id (0 = none), until the exit ({@link #exit}). */
    static final class Frame {
        int id;
    }

    /**
     * Entry of {@code Dispatcher.processRequest(Channel, ...)}.
     *
     * @return whether the thread's session was set (pass it to {@link #exit})
     */
    public static boolean enter(Object channel) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null || !(channel instanceof Channel)) {
            return false;
        }
        try {
            Session s = sessionOf((Channel) channel);
            int id = s.id;
            if (id == 0) {
                id = rt.strings.idOf(s.text);
                s.id = id;
            }
            CaptureThreadState.current().session.id = id;
            return true;
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
            return false;
        }
    }

    /** Exit of {@code Dispatcher.processRequest(Channel, ...)}: forgets the session. */
    public static void exit(boolean entered) {
        if (entered) {
            CaptureThreadState.current().session.id = 0;
        }
    }

    /** The session of {@code channel}, created on first use. */
    static Session sessionOf(Channel channel) {
        Attribute<Session> attr = channel.attr(KEY);
        Session s = attr.get();
        if (s == null) {
            Session created = new Session(newSessionText());
            s = attr.setIfAbsent(created);
            if (s == null) {
                s = created;
            }
        }
        return s;
    }

    static String newSessionText() {
        long v = ThreadLocalRandom.current().nextLong();
        String hex = Long.toHexString(v);
        return "0000000000000000".substring(hex.length()) + hex;
    }
}
