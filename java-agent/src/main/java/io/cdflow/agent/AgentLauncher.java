package io.cdflow.agent;

import io.cdflow.agent.capture.CaptureRuntime;
import io.cdflow.agent.config.AgentConfig;
import io.cdflow.agent.config.ConfigException;
import io.cdflow.agent.handoff.Flusher;
import io.cdflow.agent.handoff.ThreadBuffers;
import io.cdflow.agent.instrument.HookFamily;
import io.cdflow.agent.instrument.HookInstaller;
import io.cdflow.agent.nativecore.NativeCore;
import io.cdflow.agent.nativecore.NativeLibraryLoader;
import io.cdflow.agent.wire.StringIds;
import java.lang.instrument.Instrumentation;

/**
 * The start-up sequence: configuration, native library, core start, hand-off, hooks, shutdown hook.
 *
 * <p>Every step that can fail runs before the hooks are installed; a failure after the core started stops the
 * core again. Touches no Cassandra class.
 */
final class AgentLauncher {
    private AgentLauncher() {
    }

    /** Runs the sequence; returns the "enabled, ..." text or throws with the reason to disable. */
    static String launch(String args, Instrumentation inst) throws AgentDisabledException {
        AgentConfig config;
        try {
            config = AgentConfig.fromAgentArgs(args);
        } catch (ConfigException e) {
            throw new AgentDisabledException(e.getMessage());
        }
        if (!config.enabled) {
            throw new AgentDisabledException("enabled=false");
        }
        NativeLibraryLoader.Result library = NativeLibraryLoader.load(config.nativeLib);
        if (!library.loaded) {
            throw new AgentDisabledException(library.description);
        }
        String error = NativeCore.start(config.coreOptionArray());
        if (error != null) {
            throw new AgentDisabledException("core did not start: " + error);
        }
        Flusher flusher = null;
        HookInstaller hooks;
        try {
            StringIds strings = new StringIds(NativeCore::define);
            ThreadBuffers buffers = new ThreadBuffers(NativeCore::submit, config.bufferBytes);
            CaptureRuntime runtime = new CaptureRuntime(strings, buffers, config.includeSystemKeyspaces);
            flusher = new Flusher(buffers, config.flushMillis, NativeCore::reportAgentCounters);
            CaptureRuntime.install(runtime);
            flusher.start();
            // Cassandra's classes come from the system class loader (java -cp), as does the agent jar
            hooks = HookInstaller.install(inst, CdflowAgent.class.getClassLoader(), ClassLoader.getSystemClassLoader());
            String recorded = NativeCore.recordHookFamilies(
                    new String[] {labels(hooks.installedFamilies()), skippedText(hooks.skippedFamilies())});
            if (recorded != null) {
                System.err.println("cdflow-agent: hook families not recorded in agent_stats: " + recorded);
            }
            Runtime.getRuntime().addShutdownHook(
                    new Thread(new AgentShutdown(runtime, flusher, hooks), AgentShutdown.THREAD_NAME));
        } catch (Throwable t) {
            CaptureRuntime.uninstall();
            if (flusher != null) {
                flusher.stop(1000);
            }
            NativeCore.shutdown(1000);
            throw new AgentDisabledException("could not install the capture: " + t);
        }
        return "enabled, output=" + config.output()
                + ", native=" + library.description
                + ", buffer_bytes=" + config.bufferBytes
                + ", flush_millis=" + config.flushMillis
                + ", include_system_keyspaces=" + config.includeSystemKeyspaces
                + ", hook_families=" + labels(hooks.installedFamilies())
                + (hooks.skippedFamilies().isEmpty() ? "" : ", skipped_families=" + labels(hooks.skippedFamilies().keySet()));
    }

    /** {@code family: reason; family: reason}, empty when none was skipped. */
    static String skippedText(java.util.Map<HookFamily, String> skipped) {
        StringBuilder b = new StringBuilder();
        for (java.util.Map.Entry<HookFamily, String> e : skipped.entrySet()) {
            b.append(b.length() == 0 ? "" : "; ").append(e.getKey().label).append(": ")
                    .append(e.getValue().replace('\n', ' '));
        }
        return b.toString();
    }

    private static String labels(Iterable<HookFamily> families) {
        StringBuilder b = new StringBuilder();
        for (HookFamily f : families) {
            b.append(b.length() == 0 ? "" : "+").append(f.label);
        }
        return b.length() == 0 ? "none" : b.toString();
    }
}
