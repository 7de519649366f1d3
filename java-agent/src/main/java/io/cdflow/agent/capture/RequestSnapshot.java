package io.cdflow.agent.capture;

/**
 * A copy of a {@link RequestContext}'s identity (interned ids only), carried to another thread that works for
 * the same client request, and adopted there for the duration of that work.
 */
final class RequestSnapshot {
    /** The work was handed off by a thread without a client request. */
    static final RequestSnapshot NONE = new RequestSnapshot();

    private final boolean present;
    private final int user;
    private final int clientAddress;
    private final int driverName;
    private final int driverVersion;
    private final int statementType;
    private final int session;
    private final int consistency;

    private RequestSnapshot() {
        present = false;
        user = clientAddress = driverName = driverVersion = statementType = session = consistency = 0;
    }

    private RequestSnapshot(RequestContext c) {
        present = true;
        user = c.user;
        clientAddress = c.clientAddress;
        driverName = c.driverName;
        driverVersion = c.driverVersion;
        statementType = c.statementType;
        session = c.session;
        consistency = c.consistency;
    }

    /** The identity of the request active in {@code c}, or {@link #NONE}. */
    static RequestSnapshot of(RequestContext c) {
        return c.isActive() ? new RequestSnapshot(c) : NONE;
    }

    /**
     * Makes {@code c} (idle, on the receiving thread) carry this identity.
     *
     * @return whether it was adopted (then call {@code RequestContext.exit(true)} when the work ends)
     */
    boolean adoptInto(RequestContext c) {
        if (!present || c.isActive()) {
            return false;
        }
        c.user = user;
        c.clientAddress = clientAddress;
        c.driverName = driverName;
        c.driverVersion = driverVersion;
        c.statementType = statementType;
        c.session = session;
        c.consistency = consistency;
        c.depth = 1;
        return true;
    }
}
