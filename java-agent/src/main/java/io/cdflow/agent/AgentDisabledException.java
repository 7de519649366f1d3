package io.cdflow.agent;

/** Why the agent disabled itself; the message is the reason printed after {@code cdflow-agent: disabled: }. */
final class AgentDisabledException extends Exception {
    private static final long serialVersionUID = 1L;

    AgentDisabledException(String reason) {
        super(reason);
    }
}
