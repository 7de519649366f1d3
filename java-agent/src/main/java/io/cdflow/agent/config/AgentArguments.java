package io.cdflow.agent.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns the {@code -javaagent:cdflow-agent.jar=key=value,key=value} argument string into configured values.
 *
 * <p>{@code config=/path/cdflow.yaml} reads a flat yaml file ({@link FlatYamlParser}) first; keys given in the
 * argument string override the file's. Values cannot contain commas. Keys keep their order (file keys first).
 */
public final class AgentArguments {
    public static final String CONFIG_KEY = "config";
    static final String ORIGIN = "agent argument";

    private AgentArguments() {
    }

    /** Parses {@code args} (null or blank = no options) and merges the config file it names, if any. */
    public static Map<String, ConfigValue> parse(String args) throws ConfigException {
        Map<String, ConfigValue> inline = parseInline(args);
        Map<String, ConfigValue> merged = new LinkedHashMap<>();
        ConfigValue file = inline.remove(CONFIG_KEY);
        if (file != null) {
            Map<String, ConfigValue> fromFile = FlatYamlParser.parse(Path.of(file.value));
            ConfigValue nested = fromFile.get(CONFIG_KEY);
            if (nested != null) {
                throw new ConfigException(nested.origin + ": '" + CONFIG_KEY + "' cannot be set in a config file");
            }
            merged.putAll(fromFile);
        }
        merged.putAll(inline);
        return merged;
    }

    private static Map<String, ConfigValue> parseInline(String args) throws ConfigException {
        Map<String, ConfigValue> values = new LinkedHashMap<>();
        if (args == null || args.isBlank()) {
            return values;
        }
        for (String item : args.split(",", -1)) {
            String entry = item.strip();
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(ORIGIN + ": expected key=value, got '" + entry + "'");
            }
            String key = entry.substring(0, eq).strip();
            String value = entry.substring(eq + 1).strip();
            if (values.containsKey(key)) {
                throw new ConfigException(ORIGIN + ": duplicate key '" + key + "'");
            }
            values.put(key, new ConfigValue(value, ORIGIN));
        }
        return values;
    }
}
