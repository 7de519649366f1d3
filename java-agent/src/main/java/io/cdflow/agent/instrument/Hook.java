package io.cdflow.agent.instrument;

import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * One instrumented method: the class (matched by exact name, so matching loads nothing), a method matcher that
 * must select exactly one declared method of that class, and the advice class inlined into it (by name, so the
 * agent never loads advice classes itself).
 */
public final class Hook {
    /** Installed with the other hooks of its family, or skipped with them. */
    public final HookFamily family;
    public final String typeName;
    public final String description;
    public final ElementMatcher<? super MethodDescription> method;
    public final String adviceClassName;

    Hook(HookFamily family, String typeName, String description, ElementMatcher<? super MethodDescription> method,
         String adviceClassName) {
        this.family = family;
        this.typeName = typeName;
        this.description = description;
        this.method = method;
        this.adviceClassName = adviceClassName;
    }

    @Override
    public String toString() {
        return family.label + ": " + typeName + "." + description + " -> " + adviceClassName;
    }
}
