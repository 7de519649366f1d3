package io.cdflow.agent.capture;

import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import io.cdflow.agent.wire.MutationEvent;
import io.cdflow.agent.wire.StringIds;
import io.cdflow.agent.wire.WireFormat;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.util.function.Function;
import org.apache.cassandra.auth.AuthenticatedUser;
import org.apache.cassandra.cql3.BatchQueryOptions;
import org.apache.cassandra.cql3.QueryOptions;
import org.apache.cassandra.cql3.statements.BatchStatement;
import org.apache.cassandra.cql3.statements.ModificationStatement;
import org.apache.cassandra.cql3.statements.StatementType;
import org.apache.cassandra.db.ConsistencyLevel;
import org.apache.cassandra.service.ClientState;
import org.apache.cassandra.service.QueryState;

/**
 * The identity of the client request running on this thread: set at entry of
 * {@code QueryProcessor.processStatement} / {@code processBatch}, reset at their exit (normal or exceptional).
 *
 * <p>StorageProxy runs synchronously on the request thread in Cassandra 5.0, so the coordinator hooks (and a local
 * replica write done inline) find it here. Holds interned ids only, never a Cassandra object. Requests of an
 * internal {@code ClientState} are not recorded. Nested requests keep the outermost one's identity.
 */
public final class RequestContext {
    /**
     * The protected {@code ModificationStatement.type} (INSERT and UPDATE share the UpdateStatement class); null if
     * it cannot be read, and statement types are then reported as absent.
     */
    private static final VarHandle MODIFICATION_TYPE = modificationTypeHandle();

    private static final Function<InetSocketAddress, String> CLIENT_ADDRESS_TEXT = RequestContext::clientAddressText;
    private static final Function<StatementType, String> STATEMENT_TYPE_TEXT = Enum::name;
    private static final Function<BatchStatement.Type, String> BATCH_TYPE_TEXT = t -> "BATCH_" + t.name();

    int depth;
    int user;
    int clientAddress;
    int driverName;
    int driverVersion;
    int statementType;
    int session;
    int consistency = WireFormat.CONSISTENCY_UNKNOWN;

    RequestContext() {
    }

    /**
     * Entry of processStatement/processBatch.
     *
     * @return whether this call was counted (the exit must then call {@link #exit(boolean)} with true)
     */
    public static boolean enter(Object statement, Object queryState, Object options) {
        CaptureRuntime rt = CaptureRuntime.active();
        if (rt == null) {
            return false;
        }
        try {
            ClientState cs = ((QueryState) queryState).getClientState();
            if (cs.isInternal) {
                return false;
            }
            CaptureThreadState st = CaptureThreadState.current();
            RequestContext ctx = st.request;
            if (ctx.depth == 0) {
                ctx.fill(rt.strings, cs, statement, options);
                ctx.session = st.session.id;
            }
            ctx.depth++;
            return true;
        } catch (Throwable t) {
            CaptureRuntime.failed(rt, t);
            return false;
        }
    }

    /** Exit of processStatement/processBatch; resets the context when the outermost request ends. */
    public static void exit(boolean entered) {
        if (!entered) {
            return;
        }
        RequestContext ctx = CaptureThreadState.current().request;
        if (--ctx.depth <= 0) {
            ctx.reset();
        }
    }

    /** Whether a client request is running on this thread. */
    boolean isActive() {
        return depth > 0;
    }

    /** Copies the identity into {@code e} (zeros when no request is active). */
    void copyIdentityTo(MutationEvent e) {
        if (depth > 0) {
            e.user = user;
            e.clientAddress = clientAddress;
            e.driverName = driverName;
            e.driverVersion = driverVersion;
            e.statementType = statementType;
        } else {
            e.user = e.clientAddress = e.driverName = e.driverVersion = e.statementType = WireFormat.NO_STRING;
        }
    }

    /** Writes {@code session_id} (field 44) when a request with a known connection is active. */
    void writeSession(FieldWriter f) {
        if (depth > 0) {
            f.strIfPresent(FieldIds.SESSION_ID, session);
        }
    }

    /**
     * Writes the identity fields of a tagged events row (user, client address, driver name and version,
     * session); nothing when no request is active.
     */
    void writeIdentity(FieldWriter f) {
        if (depth > 0) {
            f.strIfPresent(FieldIds.USER, user);
            f.strIfPresent(FieldIds.CLIENT_ADDRESS, clientAddress);
            f.strIfPresent(FieldIds.DRIVER_NAME, driverName);
            f.strIfPresent(FieldIds.DRIVER_VERSION, driverVersion);
            f.strIfPresent(FieldIds.SESSION_ID, session);
        }
    }

    /** {@link #writeIdentity}, and the statement type (field 9) when a request is active. */
    void writeIdentityAndStatement(FieldWriter f) {
        if (depth > 0) {
            writeIdentity(f);
            f.strIfPresent(FieldIds.STATEMENT_TYPE, statementType);
        }
    }

    private void fill(StringIds ids, ClientState cs, Object statement, Object options) {
        AuthenticatedUser u = cs.getUser();
        user = u == null ? WireFormat.NO_STRING : ids.idOf(u.getName());
        clientAddress = ids.idOf(cs.getRemoteAddress(), CLIENT_ADDRESS_TEXT);
        driverName = ids.idOf(cs.getDriverName().orElse(null));
        driverVersion = ids.idOf(cs.getDriverVersion().orElse(null));
        statementType = statementTypeId(ids, statement);
        consistency = consistencyCode(options);
    }

    private void reset() {
        depth = 0;
        user = clientAddress = driverName = driverVersion = statementType = session = WireFormat.NO_STRING;
        consistency = WireFormat.CONSISTENCY_UNKNOWN;
    }

    static int statementTypeId(StringIds ids, Object statement) {
        if (statement instanceof ModificationStatement && MODIFICATION_TYPE != null) {
            return ids.idOf((StatementType) MODIFICATION_TYPE.get((ModificationStatement) statement), STATEMENT_TYPE_TEXT);
        }
        if (statement instanceof BatchStatement) {
            return ids.idOf(((BatchStatement) statement).type, BATCH_TYPE_TEXT);
        }
        return WireFormat.NO_STRING;
    }

    static int consistencyCode(Object options) {
        ConsistencyLevel cl = null;
        if (options instanceof QueryOptions) {
            cl = ((QueryOptions) options).getConsistency();
        } else if (options instanceof BatchQueryOptions) {
            cl = ((BatchQueryOptions) options).getConsistency();
        }
        return cl == null ? WireFormat.CONSISTENCY_UNKNOWN : cl.code;
    }

    /** "ip:port" ("[ipv6]:port") of a client connection. */
    static String clientAddressText(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static VarHandle modificationTypeHandle() {
        try {
            return MethodHandles.privateLookupIn(ModificationStatement.class, MethodHandles.lookup())
                    .findVarHandle(ModificationStatement.class, "type", StatementType.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.err.println("cdflow-agent: statement types unavailable: cannot read ModificationStatement.type: " + e);
            return null;
        }
    }
}
