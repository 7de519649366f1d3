package io.cdflow.agent.boot;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;

/**
 * The jar's {@code Premain-Class} and {@code Agent-Class}: compiled for Java 8 (the oldest Java a supported
 * Cassandra runs on), so any JVM can load it. It checks the runtime and the Cassandra version ({@link VersionGate})
 * before it loads any other agent class; on a mismatch it prints one {@code cdflow-agent: disabled: <why>} line
 * and returns, and Cassandra starts as without the agent. Otherwise it hands over to
 * {@code io.cdflow.agent.CdflowAgent} (compiled for a newer Java), by name.
 *
 * <p>Must use only Java 8 APIs and no other agent class (the build compiles this package alone at --release 8).
 */
public final class AgentBoot {
    static final String PREFIX = "cdflow-agent: ";
    private static final String AGENT_CLASS = "io.cdflow.agent.CdflowAgent";

    private AgentBoot() {
    }

    public static void premain(String args, Instrumentation inst) {
        boot("premain", args, inst);
    }

    public static void agentmain(String args, Instrumentation inst) {
        boot("agentmain", args, inst);
    }

    private static void boot(String entry, String args, Instrumentation inst) {
        String refusal;
        try {
            refusal = VersionGate.refusal(System.getProperty("java.specification.version"),
                    BuildInfo.load(), CassandraRelease.find(ClassLoader.getSystemClassLoader()));
        } catch (Throwable t) {
            refusal = "unexpected " + t;
        }
        if (refusal != null) {
            System.err.println((PREFIX + "disabled: " + refusal).replace('\n', ' '));
            return;
        }
        try {
            Class<?> agent = Class.forName(AGENT_CLASS, true, AgentBoot.class.getClassLoader());
            agent.getMethod(entry, String.class, Instrumentation.class).invoke(null, args, inst);
        } catch (InvocationTargetException e) {
            // CdflowAgent prints its own line and never throws; this is a last resort
            System.err.println((PREFIX + "disabled: unexpected " + e.getCause()).replace('\n', ' '));
        } catch (Throwable t) {
            System.err.println((PREFIX + "disabled: could not load " + AGENT_CLASS + ": " + t).replace('\n', ' '));
        }
    }
}
