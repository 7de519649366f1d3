package io.cdflow.agent.nativecore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads {@code libcdflow_jni.so} into the JVM exactly once.
 *
 * <p>The library comes from an explicit path ({@code native_lib}) or from the agent jar's resource
 * {@value #RESOURCE_DIR}{@code <os>-<arch>/}{@value #LIBRARY_FILE}, copied to a private temporary file (0600 in a
 * 0700 directory) that is deleted again once loaded. The first call decides; later calls return the same
 * {@link Result}, whatever their arguments. Never throws.
 */
public final class NativeLibraryLoader {
    public static final String RESOURCE_DIR = "native/";
    public static final String LIBRARY_FILE = "libcdflow_jni.so";

    /** Outcome of loading: {@code loaded}, or a one-line reason why not. */
    public static final class Result {
        public final boolean loaded;
        public final String description;

        private Result(boolean loaded, String description) {
            this.loaded = loaded;
            this.description = description;
        }

        static Result loaded(String from) {
            return new Result(true, from);
        }

        static Result failed(String reason) {
            return new Result(false, reason);
        }

        @Override
        public String toString() {
            return (loaded ? "loaded from " : "not loaded: ") + description;
        }
    }

    private static Result result;

    private NativeLibraryLoader() {
    }

    /**
     * Loads the library once.
     *
     * @param explicitPath the {@code native_lib} option, or null to use the library bundled in the jar
     */
    public static synchronized Result load(Path explicitPath) {
        if (result == null) {
            result = explicitPath != null ? loadFile(explicitPath) : loadBundled();
        }
        return result;
    }

    /** The result of the first {@link #load}, or null if it was never called. */
    public static synchronized Result current() {
        return result;
    }

    /** Resource path of the bundled library for this platform, or null when the platform has none. */
    static String bundledResource() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux")) {
            return null;
        }
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            return RESOURCE_DIR + "linux-x86_64/" + LIBRARY_FILE;
        }
        return null;
    }

    private static Result loadFile(Path path) {
        Path absolute = path.toAbsolutePath();
        if (!Files.isRegularFile(absolute)) {
            return Result.failed("native library " + absolute + " does not exist");
        }
        return systemLoad(absolute, absolute.toString());
    }

    private static Result loadBundled() {
        String resource = bundledResource();
        if (resource == null) {
            return Result.failed("no native library for " + System.getProperty("os.name") + "-"
                    + System.getProperty("os.arch") + " (only linux-x86_64 is bundled)");
        }
        ClassLoader loader = NativeLibraryLoader.class.getClassLoader();
        try (InputStream in = loader == null ? ClassLoader.getSystemResourceAsStream(resource)
                : loader.getResourceAsStream(resource)) {
            if (in == null) {
                return Result.failed("native library not bundled (" + resource
                        + " is missing from the agent jar; it was built with -Dcdflow.skipNative=true);"
                        + " set native_lib=/path/" + LIBRARY_FILE);
            }
            Path dir = Files.createTempDirectory("cdflow-native-");
            Path file = dir.resolve(LIBRARY_FILE);
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                return systemLoad(file, "jar:" + resource);
            } finally {
                // the loaded mapping outlives the file: leave nothing behind in the temp directory
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        } catch (IOException | RuntimeException e) {
            return Result.failed("could not extract the bundled native library: " + e);
        }
    }

    private static Result systemLoad(Path file, String description) {
        try {
            System.load(file.toString());
            return Result.loaded(description);
        } catch (UnsatisfiedLinkError | SecurityException e) {
            return Result.failed("could not load native library " + description + ": " + e.getMessage());
        }
    }
}
