package io.cdflow.agent.instrument;

import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * One instrumented method: the class (matched by exact name, so matching loads nothing), a method matcher that
 * must select exactly one declared method of that class, and the advice class inlined into it (by name, so the
 * agent never loads advice classes itself).
 *
 * <p>A hook point that older releases lack has an {@link #older} hook: the method those releases run instead,
 * with its own advice, used only where this hook matches no method ({@link FamilyCheck#resolve}). Releases that
 * have this hook never see the older one, so its advice costs them nothing.
 */
public final class Hook {
    /** Installed with the other hooks of its family, or skipped with them. */
    public final HookFamily family;
    public final String typeName;
    public final String description;
    public final ElementMatcher<? super MethodDescription> method;
    public final String adviceClassName;
    /** The hook point of releases where this one matches no method, or null. */
    public final Hook older;

    Hook(HookFamily family, String typeName, String description, ElementMatcher<? super MethodDescription> method,
         String adviceClassName) {
        this(family, typeName, description, method, adviceClassName, null);
    }

    private Hook(HookFamily family, String typeName, String description,
                 ElementMatcher<? super MethodDescription> method, String adviceClassName, Hook older) {
        this.family = family;
        this.typeName = typeName;
        this.description = description;
        this.method = method;
        this.adviceClassName = adviceClassName;
        this.older = older;
    }

    /** This hook, with {@code older} (same family) as the hook point of releases where this one matches nothing. */
    Hook orOlder(String olderTypeName, String olderDescription, ElementMatcher<? super MethodDescription> olderMethod,
                 String olderAdviceClassName) {
        Hook fallback = new Hook(family, olderTypeName, olderDescription, olderMethod, olderAdviceClassName, older);
        return new Hook(family, typeName, description, method, adviceClassName, fallback);
    }

    @Override
    public String toString() {
        return family.label + ": " + typeName + "." + description + " -> " + adviceClassName;
    }
}
