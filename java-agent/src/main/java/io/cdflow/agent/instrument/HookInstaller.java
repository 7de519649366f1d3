package io.cdflow.agent.instrument;

import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
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
 *
 * <p>Hooks are installed by family ({@link HookFamily}): a family that does not fully resolve on the node's
 * Cassandra ({@link FamilyCheck}) is skipped whole, with one line {@code cdflow-agent: skipped hook family <name>:
 * <missing reference>}.
 */
public final class HookInstaller {
    private final HookListener listener;
    private final Map<HookFamily, String> skipped;
    private final List<HookFamily> installed;

    private HookInstaller(HookListener listener, List<HookFamily> installed, Map<HookFamily, String> skipped) {
        this.listener = listener;
        this.installed = installed;
        this.skipped = skipped;
    }

    /**
     * Installs every family of hooks that resolves on the classes of {@code nodeLoader} (Cassandra's) on
     * {@code inst}; advice classes are looked up in {@code agentLoader}.
     */
    public static HookInstaller install(Instrumentation inst, ClassLoader agentLoader, ClassLoader nodeLoader) {
        FamilyCheck check = FamilyCheck.of(nodeLoader, agentLoader);
        List<Hook> hooks = new ArrayList<>();
        List<HookFamily> installed = new ArrayList<>();
        Map<HookFamily, String> skipped = new EnumMap<>(HookFamily.class);
        for (HookFamily family : HookFamily.values()) {
            FamilyCheck.Resolution resolution = check.resolve(Hooks.of(family));
            String problem = resolution.problem;
            if (problem == null) {
                hooks.addAll(resolution.hooks);
                installed.add(family);
            } else {
                skipped.put(family, problem);
                System.err.println(("cdflow-agent: skipped hook family " + family.label + ": " + problem).replace('\n', ' '));
            }
        }
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
        return new HookInstaller(listener, Collections.unmodifiableList(installed), Collections.unmodifiableMap(skipped));
    }

    /** The families installed, in {@link HookFamily} order. */
    public List<HookFamily> installedFamilies() {
        return installed;
    }

    /** The families skipped, each with the reference that did not resolve. */
    public Map<HookFamily, String> skippedFamilies() {
        return skipped;
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
