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

    /**
     * The one catch clause of capture code: a Throwable of a hook's own code is counted in {@code rt} (the runtime
     * the hook read at its start; nothing to count in when capture was off), the first one logged, later ones only
     * counted, and never rethrown. Every hook that calls more than its own frame's fields reads
     * <pre>
     * CaptureRuntime rt = CaptureRuntime.active();
     * if (rt == null) { return; }
     * try { ... } catch (Throwable t) { CaptureRuntime.failed(rt, t); } finally { frame.exit(); }
     * </pre>
     * (the finally only where a frame must drop what it holds). A static method, not a lambda wrapper: the hooks take
     * their own arguments and primitives, and allocate nothing.
     */
    static void failed(CaptureRuntime rt, Throwable t) {
        if (rt != null) {
            rt.captureErrors.increment();
            if (rt.errorLogged.compareAndSet(false, true)) {
                System.err.println("cdflow-agent: capture error (logged once, later ones only counted): " + t);
            }
        }
    }

    public long captureErrors() {
        return captureErrors.sum();
    }
}
