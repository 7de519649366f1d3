package io.cdflow.agent.instrument;

import java.util.ArrayDeque;
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
        try {
            Set<String> advice = new LinkedHashSet<>();
            for (Hook hook : hooks) {
                TypePool.Resolution type = node.describe(hook.typeName);
                if (!type.isResolved()) {
                    return "missing class " + hook.typeName;
                }
                int matched = type.resolve().getDeclaredMethods().filter(hook.method).size();
                if (matched != 1) {
                    return hook.typeName + "." + hook.description + " matches " + matched + " methods";
                }
                advice.add(hook.adviceClassName);
            }
            for (ReferenceScan.Ref ref : scan.reachableFrom(advice)) {
                if (!resolves(ref)) {
                    return "missing " + ref;
                }
            }
            return null;
        } catch (Throwable t) {
            return "check failed: " + t;
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
