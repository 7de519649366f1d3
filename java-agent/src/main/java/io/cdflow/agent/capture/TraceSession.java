package io.cdflow.agent.capture;

import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import org.apache.cassandra.tracing.TraceState;
import org.apache.cassandra.tracing.Tracing;
import org.apache.cassandra.utils.TimeUUID;

/**
 * {@code trace_session_id}: Cassandra's tracing session of the current thread ({@code Tracing.instance.get()}, set
 * for traced client requests and, on replicas, for the stage thread handling a traced message). Allocates nothing.
 */
final class TraceSession {
    private TraceSession() {
    }

    /** Writes field 45 when the thread is tracing. */
    static void write(FieldWriter f) {
        TraceState ts = Tracing.instance.get();
        if (ts != null) {
            TimeUUID id = ts.sessionId;
            if (id != null) {
                f.uuid(FieldIds.TRACE_SESSION_ID, id.msb(), id.lsb());
            }
        }
    }
}
