package io.cdflow.agent.instrument;

import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * One instrumented method: the class (matched by exact name, so matching loads nothing), a method matcher that
 * must select exactly one declared method of that class, and the advice class inlined into it (by name, so the
 * agent never loads advice classes itself).
 */
public final class Hook {
    public final String typeName;
    public final String description;
    public final ElementMatcher<? super MethodDescription> method;
    public final String adviceClassName;

    Hook(String typeName, String description, ElementMatcher<? super MethodDescription> method, String adviceClassName) {
        this.typeName = typeName;
        this.description = description;
        this.method = method;
        this.adviceClassName = adviceClassName;
    }

    @Override
    public String toString() {
        return typeName + "." + description + " -> " + adviceClassName;
    }
}
