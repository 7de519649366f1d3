package io.cdflow.agent.instrument;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.utility.JavaModule;

/**
 * Prints one line per class that could not be instrumented ({@code cdflow-agent: could not instrument <class>:
 * <error>}), including a hooked class in which a hook's method matcher selects no method (a signature that
 * drifted); prints nothing for a success but remembers which classes were instrumented.
 */
final class HookListener extends AgentBuilder.Listener.Adapter {
    private final List<Hook> hooks;
    private final Set<String> instrumented = ConcurrentHashMap.newKeySet();
    private final Set<String> failed = ConcurrentHashMap.newKeySet();

    HookListener(List<Hook> hooks) {
        this.hooks = hooks;
    }

    @Override
    public void onTransformation(TypeDescription type, ClassLoader classLoader, JavaModule module, boolean loaded,
                                 DynamicType dynamicType) {
        String name = type.getName();
        for (Hook hook : hooks) {
            if (hook.typeName.equals(name) && type.getDeclaredMethods().filter(hook.method).size() != 1) {
                failed.add(name);
                System.err.println("cdflow-agent: could not instrument " + name + ": no single method matches "
                        + hook.description);
            }
        }
        instrumented.add(name);
    }

    @Override
    public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded, Throwable throwable) {
        failed.add(typeName);
        System.err.println("cdflow-agent: could not instrument " + typeName + ": " + throwable);
    }

    /** Names of the classes transformed so far. */
    Set<String> instrumented() {
        return instrumented;
    }

    /** Names of the classes that failed (entirely or for one of their hooks). */
    Set<String> failed() {
        return failed;
    }
}
