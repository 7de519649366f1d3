package io.cdflow.agent.bench;

import io.cdflow.agent.handoff.Flusher;
import io.cdflow.agent.handoff.ThreadBuffers;
import io.cdflow.agent.nativecore.NativeCore;
import io.cdflow.agent.nativecore.NativeLibraryLoader;
import io.cdflow.agent.wire.StringIds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The real Rust core behind the real JNI bridge, wired the way {@code AgentLauncher} wires it: the library bundled
 * in target/classes, {@code NativeCore.start} writing Parquet into a temporary directory, {@link StringIds} defining
 * through {@code NativeCore::define}, {@link ThreadBuffers} of the agent's default size submitting through
 * {@code NativeCore::submit}, and the flusher ticking once a second.
 */
final class RunningCore implements AutoCloseable {
    /** The agent's default {@code buffer_bytes}. */
    static final int BUFFER_BYTES = 16384;

    final Path output;
    final StringIds strings;
    final ThreadBuffers buffers;
    private final Flusher flusher;

    RunningCore() throws IOException {
        NativeLibraryLoader.Result loaded = NativeLibraryLoader.load(null);
        if (!loaded.loaded) {
            throw new IllegalStateException("cdflow benchmark: the native library did not load (" + loaded
                    + "); build it with `cargo build --release -p cdflow-jni` before `mvn -Pjmh package`");
        }
        output = Files.createTempDirectory("cdflow-jmh-");
        String error = NativeCore.start(new String[] {"output", output.resolve("lineage").toString()});
        if (error != null) {
            throw new IllegalStateException("cdflow benchmark: the core did not start: " + error);
        }
        strings = new StringIds(NativeCore::define);
        buffers = new ThreadBuffers(NativeCore::submit, BUFFER_BYTES);
        flusher = new Flusher(buffers, 1000, NativeCore::reportAgentCounters);
        flusher.start();
    }

    /**
     * Stops the flusher, drains the buffers, shuts the core down, prints what became of the events (so a run shows
     * whether the core kept up or dropped on a full queue) and deletes the Parquet output.
     */
    @Override
    public void close() throws IOException {
        flusher.stop(2000);
        buffers.close(2000);
        long[] counters = NativeCore.counters();
        String error = NativeCore.shutdown(30_000);
        System.out.println("cdflow core: " + NativeCore.describeCounters(counters)
                + " agent_dropped_in_java=" + buffers.droppedInAgent()
                + (error == null ? "" : " shutdown error: " + error));
        try (Stream<Path> files = Files.walk(output)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
