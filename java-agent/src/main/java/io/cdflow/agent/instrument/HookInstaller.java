package io.cdflow.agent.instrument;

import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;

import java.lang.instrument.Instrumentation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * Installs the {@link Hooks} with inlined ByteBuddy advice.
 *
 * <p>No class format changes (works for classes already loaded too, through retransformation), only classes in
 * {@code org.apache.cassandra.} are even looked at, types and advice are referred to by name. A failure to
 * instrument one class is printed by {@link HookListener} and leaves the other hooks in place.
 */
public final class HookInstaller {
    private final HookListener listener;

    private HookInstaller(HookListener listener) {
        this.listener = listener;
    }

    /** Installs every hook on {@code inst}; advice classes are looked up in {@code agentLoader}. */
    public static HookInstaller install(Instrumentation inst, ClassLoader agentLoader) {
        List<Hook> hooks = Hooks.all();
        HookListener listener = new HookListener(hooks);
        AgentBuilder builder = new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(listener)
                .ignore(not(nameStartsWith("org.apache.cassandra.")));
        for (Map.Entry<String, AgentBuilder.Transformer.ForAdvice> e : advicePerType(hooks, agentLoader).entrySet()) {
            builder = builder.type(named(e.getKey())).transform(e.getValue());
        }
        builder.installOn(inst);
        return new HookInstaller(listener);
    }

    /** Classes transformed so far. */
    public Set<String> instrumented() {
        return listener.instrumented();
    }

    /** Classes that could not be (fully) instrumented. */
    public Set<String> failed() {
        return listener.failed();
    }

    private static Map<String, AgentBuilder.Transformer.ForAdvice> advicePerType(List<Hook> hooks, ClassLoader agentLoader) {
        Map<String, AgentBuilder.Transformer.ForAdvice> perType = new LinkedHashMap<>();
        for (Hook hook : hooks) {
            AgentBuilder.Transformer.ForAdvice advice = perType.get(hook.typeName);
            if (advice == null) {
                advice = new AgentBuilder.Transformer.ForAdvice().include(agentLoader);
            }
            perType.put(hook.typeName, advice.advice(hook.method, hook.adviceClassName));
        }
        return perType;
    }
}
