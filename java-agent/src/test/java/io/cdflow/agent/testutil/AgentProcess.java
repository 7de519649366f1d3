package io.cdflow.agent.testutil;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Runs {@link AgentHostMain} in a fresh JVM with {@code -javaagent:} pointing at a manifest-only jar whose
 * Premain-Class is the agent's (the agent's classes come from the test class path), so premain runs exactly as in
 * Cassandra: once per JVM, with a real Instrumentation.
 */
public final class AgentProcess {
    public final int exitCode;
    public final String stdout;
    public final String stderr;

    private AgentProcess(int exitCode, String stdout, String stderr) {
        this.exitCode = exitCode;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Lines of stderr that start with "cdflow-agent:". */
    public List<String> agentLines() {
        List<String> lines = new ArrayList<>();
        for (String line : stderr.split("\n")) {
            if (line.startsWith("cdflow-agent:")) {
                lines.add(line);
            }
        }
        return lines;
    }

    public static AgentProcess run(Path workDir, String agentArgs) throws IOException, InterruptedException {
        return run(workDir, agentArgs, List.of(), List.of());
    }

    /** Runs with extra JVM options and arguments for {@link AgentHostMain}. */
    public static AgentProcess run(Path workDir, String agentArgs, List<String> jvmOptions, List<String> mainArgs)
            throws IOException, InterruptedException {
        Path jar = workDir.resolve("agent-manifest-only.jar");
        if (!Files.exists(jar)) {
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            manifest.getMainAttributes().putValue("Premain-Class", "io.cdflow.agent.boot.AgentBoot");
            manifest.getMainAttributes().putValue("Can-Retransform-Classes", "true");
            try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, manifest)) {
                j.flush();
            }
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-ea");
        cmd.add("-Xmx256m");
        cmd.addAll(jvmOptions);
        cmd.add("-javaagent:" + jar + (agentArgs == null ? "" : "=" + agentArgs));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(AgentHostMain.class.getName());
        cmd.addAll(mainArgs);
        Path out = workDir.resolve("stdout.txt");
        Path err = workDir.resolve("stderr.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("JVM with the agent did not exit within 120 s");
        }
        return new AgentProcess(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
}
