package io.cdflow.agent.capture;

import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.FieldWriter;
import org.apache.cassandra.gms.EndpointState;
import org.apache.cassandra.gms.Gossiper;
import org.apache.cassandra.locator.InetAddressAndPort;
import org.apache.cassandra.utils.FBUtilities;

/**
 * Gossip generations: the epoch second a node started, which Cassandra gossips with every heartbeat. Message ids
 * restart from 1 in every Cassandra process, so (coordinator, generation, message id) names one write across
 * restarts, and both sides of a write know the coordinator's generation: the coordinator its own, a replica from
 * gossip. Looked up per event (one map read): {@code nodetool enablegossip} can raise a generation while running.
 */
final class Generations {
    /** After a failed lookup, lookups are skipped until then (System.nanoTime): a failure costs once a second. */
    private static volatile long retryAfterNanos;
    private static final long RETRY_NANOS = 1_000_000_000L;

    private Generations() {
    }

    /** This node's generation, 0 before gossip has started. */
    static int own() {
        if (backingOff()) {
            return 0;
        }
        try {
            return of(FBUtilities.getBroadcastAddressAndPort());
        } catch (Throwable t) {
            return failed();
        }
    }

    /** The generation of {@code endpoint} as this node's gossip knows it, 0 if unknown or gossip is not running. */
    static int of(InetAddressAndPort endpoint) {
        if (endpoint == null || backingOff()) {
            return 0;
        }
        try {
            EndpointState state = Gossiper.instance.getEndpointStateForEndpoint(endpoint);
            return state == null ? 0 : state.getHeartBeatState().getGeneration();
        } catch (Throwable t) {
            return failed();
        }
    }

    private static boolean backingOff() {
        long retryAfter = retryAfterNanos;
        return retryAfter != 0 && System.nanoTime() - retryAfter < 0;
    }

    /** Gossip not initialized (a tool, a test harness): rows go out without a generation; retry in a second. */
    private static int failed() {
        retryAfterNanos = System.nanoTime() + RETRY_NANOS;
        return 0;
    }

    /** Writes coordinator_generation (26) unless {@code generation} is unknown (0). */
    static void write(FieldWriter f, int generation) {
        if (generation != 0) {
            f.i64(FieldIds.COORDINATOR_GENERATION, generation);
        }
    }
}
