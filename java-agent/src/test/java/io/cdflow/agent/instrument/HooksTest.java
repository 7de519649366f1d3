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
        return exactlyOneMethod(POOL, "5.0");
    }

    /** The same hooks against cassandra-all 4.1 (its jar first, then the test class path for the JDK). */
    @TestFactory
    List<DynamicTest> everyHookMatchesExactlyOneMethodOf41() throws java.io.IOException {
        ClassFileLocator cassandra41 = new ClassFileLocator.Compound(
                ClassFileLocator.ForJarFile.of(io.cdflow.agent.testutil.Runtimes.cassandra41Jar().toFile()), LOCATOR);
        return exactlyOneMethod(TypePool.Default.of(cassandra41), "4.1");
    }

    private static List<DynamicTest> exactlyOneMethod(TypePool pool, String series) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Hook hook : Hooks.all()) {
            tests.add(DynamicTest.dynamicTest(series + ": " + hook.typeName + "." + hook.description, () -> {
                TypeDescription type = pool.describe(hook.typeName).resolve();
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

    /**
     * Applies every hook of a class at once (as the installer does), defines the result in a throw-away class
     * loader and reflects on it, which makes HotSpot link, i.e. verify, it: inlined advice that the verifier
     * rejects (e.g. a handler around a super constructor call) fails here. Static initializers never run.
     */
    @TestFactory
    List<DynamicTest> everyInstrumentedClassPassesTheVerifier() {
        java.util.Map<String, List<Hook>> perType = new java.util.LinkedHashMap<>();
        for (Hook hook : Hooks.all()) {
            perType.computeIfAbsent(hook.typeName, t -> new ArrayList<>()).add(hook);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (java.util.Map.Entry<String, List<Hook>> e : perType.entrySet()) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                TypeDescription type = POOL.describe(e.getKey()).resolve();
                net.bytebuddy.asm.AsmVisitorWrapper.ForDeclaredMethods visitor = new net.bytebuddy.asm.AsmVisitorWrapper.ForDeclaredMethods();
                for (Hook hook : e.getValue()) {
                    visitor = visitor.invokable(hook.method, Advice.to(POOL.describe(hook.adviceClassName).resolve(), LOCATOR));
                }
                byte[] bytes = new ByteBuddy().redefine(type, LOCATOR).visit(visitor).make().getBytes();
                Class<?> c = new OneClassLoader(e.getKey(), bytes, HooksTest.class.getClassLoader()).loadClass(e.getKey());
                assertTrue(c.getDeclaredMethods().length > 0);
            }));
        }
        return tests;
    }

    /**
     * Defines the instrumented class from the given bytes and every other Cassandra class from its original bytes
     * (so package-private supertypes stay accessible), delegates everything else (the agent's classes: advice
     * calls take only Object and primitives, so no loader constraint is involved).
     */
    private static final class OneClassLoader extends ClassLoader {
        private final String name;
        private final byte[] bytes;

        OneClassLoader(String name, byte[] bytes, ClassLoader parent) {
            super(parent);
            this.name = name;
            this.bytes = bytes;
        }

        @Override
        protected Class<?> loadClass(String className, boolean resolve) throws ClassNotFoundException {
            if (!className.startsWith("org.apache.cassandra.")) {
                return super.loadClass(className, resolve);
            }
            synchronized (getClassLoadingLock(className)) {
                Class<?> c = findLoadedClass(className);
                if (c != null) {
                    return c;
                }
                byte[] b = bytes;
                if (!className.equals(name)) {
                    try (java.io.InputStream in = getParent().getResourceAsStream(className.replace('.', '/') + ".class")) {
                        if (in == null) {
                            throw new ClassNotFoundException(className);
                        }
                        b = in.readAllBytes();
                    } catch (java.io.IOException e) {
                        throw new ClassNotFoundException(className, e);
                    }
                }
                return defineClass(className, b, 0, b.length);
            }
        }
    }

    /** Every hook and the older hook points of releases that lack it ({@link Hook#older}). */
    private static List<Hook> withOlder() {
        List<Hook> all = new ArrayList<>();
        for (Hook hook : Hooks.all()) {
            for (Hook h = hook; h != null; h = h.older) {
                all.add(h);
            }
        }
        return all;
    }

    @Test
    void adviceClassNamesAreRealClasses() throws ClassNotFoundException {
        Set<String> names = new LinkedHashSet<>();
        for (Hook hook : withOlder()) {
            names.add(hook.adviceClassName);
        }
        for (String name : names) {
            Class<?> c = Class.forName(name, false, HooksTest.class.getClassLoader());
            assertEquals(name, c.getName());
        }
        assertEquals(48, names.size());
    }

    @Test
    void everyAdviceMethodSuppressesThrowables() {
        for (Hook hook : withOlder()) {
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
                    // a constructor's exit advice cannot catch (no handler may cover the super constructor call)
                    if (!hook.description.startsWith("<init>")) {
                        assertEquals(Throwable.class.getName(),
                                exit.getValue("onThrowable").resolve(TypeDescription.class).getName(), m.toString());
                    }
                }
            }
        }
    }
}
