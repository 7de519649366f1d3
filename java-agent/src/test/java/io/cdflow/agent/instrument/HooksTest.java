package io.cdflow.agent.instrument;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every hook selects exactly one method of the real cassandra-all 5.0.9 classes, and its advice can be inlined
 * into that class's real bytecode. Works on class files only: no Cassandra class is loaded.
 */
class HooksTest {
    private static final ClassFileLocator LOCATOR = ClassFileLocator.ForClassLoader.of(HooksTest.class.getClassLoader());
    private static final TypePool POOL = TypePool.Default.of(LOCATOR);

    @TestFactory
    List<DynamicTest> everyHookMatchesExactlyOneMethod() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Hook hook : Hooks.all()) {
            tests.add(DynamicTest.dynamicTest(hook.typeName + "." + hook.description, () -> {
                TypeDescription type = POOL.describe(hook.typeName).resolve();
                List<MethodDescription.InDefinedShape> matched = type.getDeclaredMethods().filter(hook.method);
                assertEquals(1, matched.size(), hook + " matched " + matched);
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> everyAdviceInlinesIntoTheRealClass() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Hook hook : Hooks.all()) {
            tests.add(DynamicTest.dynamicTest(hook.adviceClassName + " into " + hook.typeName, () -> {
                TypeDescription type = POOL.describe(hook.typeName).resolve();
                TypeDescription advice = POOL.describe(hook.adviceClassName).resolve();
                byte[] bytes = new ByteBuddy()
                        .redefine(type, LOCATOR)
                        .visit(Advice.to(advice, LOCATOR).on(hook.method))
                        .make()
                        .getBytes();
                assertTrue(bytes.length > 0);
            }));
        }
        return tests;
    }

    @Test
    void adviceClassNamesAreRealClasses() throws ClassNotFoundException {
        Set<String> names = new LinkedHashSet<>();
        for (Hook hook : Hooks.all()) {
            names.add(hook.adviceClassName);
        }
        for (String name : names) {
            Class<?> c = Class.forName(name, false, HooksTest.class.getClassLoader());
            assertEquals(name, c.getName());
        }
        assertEquals(5, names.size());
    }

    @Test
    void everyAdviceMethodSuppressesThrowables() {
        for (Hook hook : Hooks.all()) {
            TypeDescription advice = POOL.describe(hook.adviceClassName).resolve();
            for (MethodDescription.InDefinedShape m : advice.getDeclaredMethods()) {
                if (m.isConstructor()) {
                    continue;
                }
                var enter = m.getDeclaredAnnotations().ofType(Advice.OnMethodEnter.class);
                var exit = m.getDeclaredAnnotations().ofType(Advice.OnMethodExit.class);
                assertFalse(enter == null && exit == null, m + " is not advice");
                if (enter != null) {
                    assertEquals(Throwable.class.getName(),
                            enter.getValue("suppress").resolve(TypeDescription.class).getName(), m.toString());
                }
                if (exit != null) {
                    assertEquals(Throwable.class.getName(),
                            exit.getValue("suppress").resolve(TypeDescription.class).getName(), m.toString());
                    assertEquals(Throwable.class.getName(),
                            exit.getValue("onThrowable").resolve(TypeDescription.class).getName(), m.toString());
                }
            }
        }
    }
}
