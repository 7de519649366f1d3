package io.cdflow.agent.config;

import io.cdflow.agent.handoff.ThreadBuffers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent's configuration: the Java-only keys, typed and range-checked, and every other key passed through
 * untouched to the core's {@code start} (which validates them and rejects unknown ones).
 *
 * <p>Java-only keys: {@code enabled} (true), {@code include_system_keyspaces} (false), {@code native_lib}
 * (path of the .so to load instead of the bundled one), {@code buffer_bytes} (16384), {@code flush_millis} (1000).
 */
public final class AgentConfig {
    public static final String ENABLED = "enabled";
    public static final String INCLUDE_SYSTEM_KEYSPACES = "include_system_keyspaces";
    public static final String NATIVE_LIB = "native_lib";
    public static final String BUFFER_BYTES = "buffer_bytes";
    public static final String FLUSH_MILLIS = "flush_millis";

    public static final int DEFAULT_BUFFER_BYTES = 16384;
    public static final long DEFAULT_FLUSH_MILLIS = 1000;
    public static final long MIN_FLUSH_MILLIS = 10;
    public static final long MAX_FLUSH_MILLIS = 60_000;

    public final boolean enabled;
    public final boolean includeSystemKeyspaces;
    /** null: use the library bundled in the agent jar. */
    public final Path nativeLib;
    public final int bufferBytes;
    public final long flushMillis;
    /** Core keys in configuration order. */
    public final Map<String, String> coreOptions;

    private AgentConfig(boolean enabled, boolean includeSystemKeyspaces, Path nativeLib, int bufferBytes,
                        long flushMillis, Map<String, String> coreOptions) {
        this.enabled = enabled;
        this.includeSystemKeyspaces = includeSystemKeyspaces;
        this.nativeLib = nativeLib;
        this.bufferBytes = bufferBytes;
        this.flushMillis = flushMillis;
        this.coreOptions = Collections.unmodifiableMap(coreOptions);
    }

    /** Parses the {@code -javaagent} argument string (see {@link AgentArguments}). */
    public static AgentConfig fromAgentArgs(String args) throws ConfigException {
        return fromValues(AgentArguments.parse(args));
    }

    /** Splits configured values into typed Java keys and core options. */
    public static AgentConfig fromValues(Map<String, ConfigValue> values) throws ConfigException {
        boolean enabled = true;
        boolean includeSystem = false;
        Path nativeLib = null;
        int bufferBytes = DEFAULT_BUFFER_BYTES;
        long flushMillis = DEFAULT_FLUSH_MILLIS;
        Map<String, String> core = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : values.entrySet()) {
            String key = e.getKey();
            ConfigValue v = e.getValue();
            switch (key) {
                case ENABLED:
                    enabled = parseBoolean(key, v);
                    break;
                case INCLUDE_SYSTEM_KEYSPACES:
                    includeSystem = parseBoolean(key, v);
                    break;
                case NATIVE_LIB:
                    if (v.value.isEmpty()) {
                        throw invalid(key, v, "a path to " + "libcdflow_jni.so");
                    }
                    nativeLib = Path.of(v.value);
                    break;
                case BUFFER_BYTES:
                    bufferBytes = (int) parseLong(key, v, ThreadBuffers.MIN_BUFFER_BYTES, ThreadBuffers.MAX_BUFFER_BYTES);
                    break;
                case FLUSH_MILLIS:
                    flushMillis = parseLong(key, v, MIN_FLUSH_MILLIS, MAX_FLUSH_MILLIS);
                    break;
                default:
                    core.put(key, v.value);
                    break;
            }
        }
        return new AgentConfig(enabled, includeSystem, nativeLib, bufferBytes, flushMillis, core);
    }

    /** Core options as {@code key, value, key, value, ...} for {@code NativeCore.start}. */
    public String[] coreOptionArray() {
        List<String> kv = new ArrayList<>(coreOptions.size() * 2);
        for (Map.Entry<String, String> e : coreOptions.entrySet()) {
            kv.add(e.getKey());
            kv.add(e.getValue());
        }
        return kv.toArray(new String[0]);
    }

    /** The {@code output} core option, for the start-up line. */
    public String output() {
        return coreOptions.get("output");
    }

    private static boolean parseBoolean(String key, ConfigValue v) throws ConfigException {
        if (v.value.equals("true")) {
            return true;
        }
        if (v.value.equals("false")) {
            return false;
        }
        throw invalid(key, v, "true or false");
    }

    private static long parseLong(String key, ConfigValue v, long min, long max) throws ConfigException {
        long n;
        try {
            n = Long.parseLong(v.value);
        } catch (NumberFormatException e) {
            throw invalid(key, v, "an integer between " + min + " and " + max);
        }
        if (n < min || n > max) {
            throw invalid(key, v, "an integer between " + min + " and " + max);
        }
        return n;
    }

    private static ConfigException invalid(String key, ConfigValue v, String expected) {
        return new ConfigException(v.origin + ": " + key + ": expected " + expected + ", got '" + v.value + "'");
    }
}
