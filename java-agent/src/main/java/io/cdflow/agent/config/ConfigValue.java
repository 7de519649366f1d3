package io.cdflow.agent.config;

/** One configured value and where it came from ({@code file:line} or {@code agent argument}), for error messages. */
public final class ConfigValue {
    public final String value;
    public final String origin;

    public ConfigValue(String value, String origin) {
        this.value = value;
        this.origin = origin;
    }

    @Override
    public String toString() {
        return value + " (" + origin + ")";
    }
}
