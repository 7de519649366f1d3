package io.cdflow.agent;

import io.cdflow.agent.capture.CaptureRuntime;
import io.cdflow.agent.handoff.Flusher;
import io.cdflow.agent.handoff.HandoffCounters;
import io.cdflow.agent.handoff.ThreadBuffers;
import io.cdflow.agent.instrument.HookInstaller;
import io.cdflow.agent.nativecore.NativeCore;

/**
 * The JVM shutdown hook: wait (bounded) for Cassandra's drain, stop the flusher, submit every buffer, report the
 * final Java-side totals, shut the core down (it drains its queue and completes its files), print one
 * {@code cdflow-agent: stopped: ...} line.
 *
 * <p>Touches no Cassandra class (Cassandra may be shutting down concurrently). Never throws.
 */
final class AgentShutdown implements Runnable {
    static final String THREAD_NAME = "cdflow-shutdown";
    /** Longest wait for Cassandra's drain (memtable flushes) before the buffers close. */
    static final long CASSANDRA_DRAIN_MILLIS = 30_000;
    static final long FLUSHER_STOP_MILLIS = 2000;
    static final long BUFFER_FLUSH_MILLIS = 1000;
    static final long CORE_SHUTDOWN_MILLIS = 10_000;

    private final CaptureRuntime runtime;
    private final Flusher flusher;
    private final HookInstaller hooks;

    AgentShutdown(CaptureRuntime runtime, Flusher flusher, HookInstaller hooks) {
        this.runtime = runtime;
        this.flusher = flusher;
        this.hooks = hooks;
    }

    @Override
    public void run() {
        String line;
        try {
            line = stop();
        } catch (Throwable t) {
            line = "shutdown failed: " + t;
        }
        System.err.println(CdflowAgent.PREFIX + "stopped: " + line);
    }

    private String stop() {
        ThreadBuffers buffers = runtime.buffers;
        long drainWaited = CassandraDrainWait.await(CASSANDRA_DRAIN_MILLIS);
        flusher.stop(FLUSHER_STOP_MILLIS);
        buffers.close(BUFFER_FLUSH_MILLIS);
        CaptureRuntime.uninstall();
        buffers.reportTo(NativeCore::reportAgentCounters);
        String error = NativeCore.shutdown(CORE_SHUTDOWN_MILLIS);
        return summary(runtime, hooks)
                + (drainWaited >= 0 ? " drain_wait_ms=" + drainWaited : "")
                + "; core: " + NativeCore.describeCounters(NativeCore.counters())
                + (error == null ? "" : "; core shutdown error: " + error);
    }

    /** The agent's own counters, as name=value pairs. */
    static String summary(CaptureRuntime runtime, HookInstaller hooks) {
        ThreadBuffers buffers = runtime.buffers;
        HandoffCounters c = buffers.counters();
        return "events_seen=" + buffers.eventsSeen()
                + " agent_dropped=" + buffers.droppedInAgent()
                + " (busy=" + c.droppedBusy() + " not_running=" + c.droppedNotRunning()
                + " submit_error=" + c.droppedSubmitError() + " other=" + c.droppedOther() + ")"
                + " core_queue_full=" + c.coreQueueFull()
                + " batches=" + c.batchesSubmitted()
                + " out_of_turn=" + c.submittedOutOfTurn()
                + " capture_errors=" + runtime.captureErrors()
                + " strings=" + runtime.strings.size()
                + " define_failures=" + runtime.strings.defineFailures()
                + " instrumented=" + (hooks == null ? 0 : hooks.instrumented().size());
    }
}
