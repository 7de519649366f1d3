package io.cdflow.agent;

import java.lang.instrument.Instrumentation;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Entry point of {@code -javaagent:cdflow-agent.jar=key=value,...} (and of dynamic attach).
 *
 * <p>Invariants: premain never throws and never stops Cassandra from starting; it touches no Cassandra class;
 * it prints exactly one line to System.err, {@code cdflow-agent: enabled, ...} or
 * {@code cdflow-agent: disabled: <reason>}, and when disabled it leaves nothing installed.
 */
public final class CdflowAgent {
    static final String PREFIX = "cdflow-agent: ";
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private CdflowAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        start(args, inst);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst);
    }

    /** Starts the agent; returns the line it printed. */
    static String start(String args, Instrumentation inst) {
        String line;
        try {
            if (!STARTED.compareAndSet(false, true)) {
                line = PREFIX + "already loaded in this JVM; ignoring this load";
            } else {
                line = PREFIX + AgentLauncher.launch(args, inst);
            }
        } catch (AgentDisabledException e) {
            line = PREFIX + "disabled: " + e.getMessage();
        } catch (Throwable t) {
            line = PREFIX + "disabled: unexpected " + t;
        }
        System.err.println(line.replace('\n', ' '));
        return line;
    }
}
