package io.cdflow.agent.instrument;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;

/**
 * Refuse to half-install: before a {@link HookFamily} is installed, checks against the node's own classes (a
 * {@link TypePool} over the class files of the node's class loader: nothing is loaded) that every hook of the
 * family matches exactly one method and that every class, field, method and lambda interface its advice and
 * capture code can reach ({@link ReferenceScan}) exists with the same descriptor.
 */
final class FamilyCheck {
    private final TypePool node;
    private final ReferenceScan scan;

    FamilyCheck(TypePool node, ClassFileLocator agentClasses) {
        this.node = node;
        this.scan = new ReferenceScan(agentClasses);
    }

    /** A check against the classes {@code loader} would load (the node's) and the agent classes of {@code agentLoader}. */
    static FamilyCheck of(ClassLoader nodeLoader, ClassLoader agentLoader) {
        return new FamilyCheck(TypePool.Default.of(ClassFileLocator.ForClassLoader.of(nodeLoader)),
                ClassFileLocator.ForClassLoader.of(agentLoader));
    }

    /** Null when every hook and reference of {@code hooks} (one family) resolves, else the first that does not. */
    String problem(List<Hook> hooks) {
        return resolve(hooks).problem;
    }

    /**
     * The hooks to install for one family on this node: each hook, or where it matches no method its
     * {@link Hook#older} hook point (the first of the chain that matches), every one matching exactly one method and
     * every reference of their advice resolving; else the first problem.
     */
    Resolution resolve(List<Hook> hooks) {
        try {
            List<Hook> chosen = new ArrayList<>();
            Set<String> advice = new LinkedHashSet<>();
            for (Hook hook : hooks) {
                Hook candidate = hook;
                int matched = matches(candidate);
                while (matched <= 0 && candidate.older != null) {
                    candidate = candidate.older;
                    matched = matches(candidate);
                }
                if (matched < 0) {
                    return Resolution.failed("missing class " + candidate.typeName);
                }
                if (matched != 1) {
                    // name the newest hook point: the one the current release has
                    return Resolution.failed(hook.typeName + "." + hook.description + " matches "
                            + (candidate == hook ? matched : 0) + " methods"
                            + (candidate == hook ? "" : " (older " + candidate.typeName + "." + candidate.description
                                    + ": " + matched + ")"));
                }
                chosen.add(candidate);
                advice.add(candidate.adviceClassName);
            }
            for (ReferenceScan.Ref ref : scan.reachableFrom(advice)) {
                if (!resolves(ref)) {
                    return Resolution.failed("missing " + ref);
                }
            }
            return new Resolution(chosen, null);
        } catch (Throwable t) {
            return Resolution.failed("check failed: " + t);
        }
    }

    /** Methods {@code hook} matches on this node, -1 when its class is missing. */
    private int matches(Hook hook) {
        TypePool.Resolution type = node.describe(hook.typeName);
        if (!type.isResolved()) {
            return -1;
        }
        return type.resolve().getDeclaredMethods().filter(hook.method).size();
    }

    /** The outcome of {@link #resolve}: the hooks to install, or the problem that skips the family. */
    static final class Resolution {
        final List<Hook> hooks;
        final String problem;

        private Resolution(List<Hook> hooks, String problem) {
            this.hooks = hooks;
            this.problem = problem;
        }

        static Resolution failed(String problem) {
            return new Resolution(List.of(), problem);
        }
    }

    private boolean resolves(ReferenceScan.Ref ref) {
        TypePool.Resolution owner = node.describe(ref.owner.replace('/', '.'));
        if (!owner.isResolved()) {
            return false;
        }
        if (ref.kind == 'C') {
            return true;
        }
        Deque<TypeDescription> todo = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        todo.add(owner.resolve());
        while (!todo.isEmpty()) {
            TypeDescription t = todo.poll();
            if (!seen.add(t.getName())) {
                continue;
            }
            if (ref.kind == 'F') {
                for (FieldDescription.InDefinedShape f : t.getDeclaredFields()) {
                    if (f.getName().equals(ref.name) && f.getDescriptor().equals(ref.descriptor)) {
                        return true;
                    }
                }
            } else {
                for (MethodDescription.InDefinedShape m : t.getDeclaredMethods()) {
                    if (m.getInternalName().equals(ref.name) && m.getDescriptor().equals(ref.descriptor)) {
                        return true;
                    }
                }
            }
            if (t.getSuperClass() != null) {
                todo.add(t.getSuperClass().asErasure());
            }
            todo.addAll(t.getInterfaces().asErasures());
        }
        return false;
    }
}
