package io.cdflow.agent.config;

/** A configuration problem; the message names where it was found (file and line, or the agent argument). */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
