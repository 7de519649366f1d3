package io.cdflow.agent.capture;

import io.cdflow.agent.handoff.ThreadBuffers;
import io.cdflow.agent.wire.StringIds;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the capture code needs at run time, installed once by the agent after the core started.
 *
 * <p>While none is installed ({@link #active()} is null) every hook returns at once. This class refers to no
 * Cassandra type, so the agent can create and install it in premain.
 */
public final class CaptureRuntime {
    private static volatile CaptureRuntime active;

    public final StringIds strings;
    public final ThreadBuffers buffers;
    public final boolean includeSystemKeyspaces;

    private final LongAdder captureErrors = new LongAdder();
    private final AtomicBoolean errorLogged = new AtomicBoolean();
    /** Id of this node's address; 0 until first computed by {@link NodeAddress}. */
    volatile int nodeId;

    public CaptureRuntime(StringIds strings, ThreadBuffers buffers, boolean includeSystemKeyspaces) {
        this.strings = strings;
        this.buffers = buffers;
        this.includeSystemKeyspaces = includeSystemKeyspaces;
    }

    /** The installed runtime, or null when capture is off. */
    public static CaptureRuntime active() {
        return active;
    }

    public static void install(CaptureRuntime runtime) {
        active = runtime;
    }

    /** Turns capture off (hooks become no-ops). */
    public static void uninstall() {
        active = null;
    }

    /**
     * Whether events of {@code keyspace} (writes, reads, flushes, compactions) are left out ({@code system*} unless
     * include_system_keyspaces).
     */
    public boolean skipsKeyspace(String keyspace) {
        return !includeSystemKeyspaces && keyspace.startsWith("system");
    }

    /** Sets this node's address (tests; the agent computes it lazily from Cassandra). */
    public void setNodeAddress(String address) {
        nodeId = strings.idOf(address);
    }

    /** Counts a failure inside capture code; the first one is logged, later ones only counted. */
    public void captureFailed(Throwable t) {
        captureErrors.increment();
        if (errorLogged.compareAndSet(false, true)) {
            System.err.println("cdflow-agent: capture error (logged once, later ones only counted): " + t);
        }
    }

    public long captureErrors() {
        return captureErrors.sum();
    }
}
