package io.cdflow.agent.testutil;

/**
 * The "application" of a JVM started with the agent by tests: it proves the JVM got past premain, then exits.
 * It loads (without initialising) two hooked Cassandra classes, unless given the argument {@code idle}.
 */
public final class AgentHostMain {
    private AgentHostMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !args[0].equals("idle")) {
            Class.forName("org.apache.cassandra.db.Mutation", false, AgentHostMain.class.getClassLoader());
            Class.forName("org.apache.cassandra.service.StorageProxy", false, AgentHostMain.class.getClassLoader());
        }
        System.out.println("host main ran");
    }
}
