package io.cdflow.agent.instrument;

/**
 * A group of hooks installed together or not at all: a family whose hooks or references do not all resolve on
 * the node's Cassandra is skipped whole ({@link FamilyCheck}), so it never records half of its lineage.
 */
public enum HookFamily {
    WRITES("writes"),
    READS("reads"),
    LWT("lwt"),
    COUNTERS("counters"),
    BATCHLOG("batchlog"),
    HINTS("hints"),
    FLUSH("flush"),
    COMPACTION("compaction"),
    AUTH("auth"),
    SESSION("session");

    /** The name in log lines and in agent_stats. */
    public final String label;

    HookFamily(String label) {
        this.label = label;
    }
}
