package io.cdflow.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cdflow.agent.testutil.AgentProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fail-open start-up: a JVM started with a broken agent configuration prints exactly one
 * "cdflow-agent: disabled: <reason>" line and runs its application normally.
 */
class AgentStartTest {
    static final boolean SKIP_NATIVE = Boolean.getBoolean("cdflow.skipNative");

    @TempDir
    Path dir;

    static void assertDisabled(AgentProcess p, String reasonStart) {
        assertEquals(0, p.exitCode, p.toString());
        assertTrue(p.stdout.contains("host main ran"), p.toString());
        List<String> lines = p.agentLines();
        assertEquals(1, lines.size(), p.toString());
        assertTrue(lines.get(0).startsWith("cdflow-agent: disabled: " + reasonStart), p.toString());
    }

    @Test
    void missingNativeLibrary() throws Exception {
        AgentProcess p = AgentProcess.run(dir, "output=" + dir.resolve("lineage") + ",native_lib=/nonexistent/libcdflow_jni.so");
        assertDisabled(p, "native library /nonexistent/libcdflow_jni.so does not exist");
    }

    @Test
    void unloadableNativeLibrary() throws Exception {
        Path bogus = dir.resolve("libbogus.so");
        Files.writeString(bogus, "not an ELF file");
        AgentProcess p = AgentProcess.run(dir, "output=" + dir.resolve("lineage") + ",native_lib=" + bogus);
        assertDisabled(p, "could not load native library " + bogus);
    }

    @Test
    void badConfigFileNamesFileAndLine() throws Exception {
        Path yaml = dir.resolve("cdflow.yaml");
        Files.writeString(yaml, "output: /tmp/x\nwriter:\n  roll_seconds: 5\n");
        AgentProcess p = AgentProcess.run(dir, "config=" + yaml);
        assertDisabled(p, yaml + ":2: ");
    }

    @Test
    void badJavaKeyValue() throws Exception {
        AgentProcess p = AgentProcess.run(dir, "output=/tmp/x,buffer_bytes=huge");
        assertDisabled(p, "agent argument: buffer_bytes: expected an integer");
    }

    @Test
    void disabledByConfiguration() throws Exception {
        AgentProcess p = AgentProcess.run(dir, "enabled=false,output=/tmp/x");
        assertDisabled(p, "enabled=false");
    }

    @Test
    void bundledLibraryMissingOrCoreRejectsOptions() throws Exception {
        if (SKIP_NATIVE) {
            AgentProcess p = AgentProcess.run(dir, "output=" + dir.resolve("lineage"));
            assertDisabled(p, "native library not bundled");
        } else {
            AgentProcess p = AgentProcess.run(dir, "output=" + dir.resolve("lineage") + ",no_such_core_option=1");
            assertDisabled(p, "core did not start: ");
            assertTrue(p.agentLines().get(0).contains("no_such_core_option"), p.toString());
        }
    }

    @Test
    void unwritableOutputDirectory() throws Exception {
        if (SKIP_NATIVE) {
            return; // needs the core; covered when the native library is built
        }
        Path readOnly = dir.resolve("ro");
        Files.createDirectories(readOnly);
        Files.writeString(readOnly.resolve("file"), "x");
        // a path below a regular file can never be created, whoever runs the test (root included)
        AgentProcess p = AgentProcess.run(dir, "output=" + readOnly.resolve("file").resolve("lineage"));
        assertDisabled(p, "core did not start: ");
    }

    @Test
    void keyFileOthersCanReadDisablesTheAgent() throws Exception {
        if (SKIP_NATIVE) {
            return; // needs the core; covered when the native library is built
        }
        Path key = dir.resolve("key.secret");
        Files.write(key, new byte[16]);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        AgentProcess p = AgentProcess.run(dir, "output=" + dir.resolve("lineage") + ",key_file=" + key);
        assertDisabled(p, "core did not start: start: key file " + key
                + " has mode 0644: group or others can access it; chmod 600 it");
    }

    @Test
    void enabledAgentStartsAndStopsCleanly() throws Exception {
        if (SKIP_NATIVE) {
            return; // needs the core; covered when the native library is built
        }
        Path lineage = dir.resolve("lineage");
        AgentProcess p = AgentProcess.run(dir, "output=" + lineage + ",flush_millis=100");
        assertEquals(0, p.exitCode, p.toString());
        assertTrue(p.stdout.contains("host main ran"), p.toString());
        List<String> lines = p.agentLines();
        assertEquals(2, lines.size(), p.toString());
        assertTrue(lines.get(0).startsWith("cdflow-agent: enabled, output=" + lineage), p.toString());
        assertTrue(lines.get(1).startsWith("cdflow-agent: stopped: events_seen=0 agent_dropped=0"), p.toString());
        assertTrue(lines.get(1).contains("instrumented=2"), "Mutation and StorageProxy were loaded: " + p);
    }

    @Test
    void premainLoadsNoCassandraClass() throws Exception {
        if (SKIP_NATIVE) {
            return; // needs the core; covered when the native library is built
        }
        Path classLog = dir.resolve("classes.log");
        AgentProcess p = AgentProcess.run(dir, "output=" + dir.resolve("lineage"),
                List.of("-Xlog:class+load=info:file=" + classLog), List.of("idle"));
        assertEquals(0, p.exitCode, p.toString());
        assertTrue(p.agentLines().get(0).startsWith("cdflow-agent: enabled"), p.toString());
        List<String> cassandra = Files.readAllLines(classLog).stream()
                .filter(l -> l.contains(" org.apache.cassandra.")).toList();
        assertEquals(List.of(), cassandra, "premain must not load Cassandra classes");
        assertTrue(Files.readString(classLog).contains("io.cdflow.agent.CdflowAgent"), "class log works");
    }
}
