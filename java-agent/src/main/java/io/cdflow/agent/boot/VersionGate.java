package io.cdflow.agent.boot;

/** Decides, before any other agent class is loaded, whether this JVM and this Cassandra can run the agent. */
final class VersionGate {
    private VersionGate() {
    }

    /**
     * Null when the agent may start, else why not.
     *
     * @param javaSpec the runtime's {@code java.specification.version} ("1.8", "11", "17")
     * @param cassandra the Cassandra on the class path, null when there is none
     */
    static String refusal(String javaSpec, BuildInfo build, CassandraRelease cassandra) {
        int java = javaFeature(javaSpec);
        if (java < build.javaRelease) {
            return "Java " + javaSpec + " runtime; this agent needs Java " + build.javaRelease + " or newer";
        }
        if (cassandra == null) {
            return "no Cassandra on the class path (no resource " + CassandraRelease.RESOURCE + ")";
        }
        if (!build.cassandraSeries.contains(cassandra.series)) {
            return "Cassandra " + cassandra.version + " is not supported by this agent (supported: "
                    + String.join(", ", build.cassandraSeries) + ")";
        }
        return null;
    }

    /** "1.8" → 8, "11" → 11; -1 when unreadable (refused: an agent needs a known runtime). */
    static int javaFeature(String spec) {
        if (spec == null) {
            return -1;
        }
        String s = spec.startsWith("1.") ? spec.substring(2) : spec;
        int dot = s.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? s : s.substring(0, dot));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
