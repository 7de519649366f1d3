package io.cdflow.agent.instrument;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cdflow.agent.testutil.Runtimes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Refuse to half-install: every family resolves completely on cassandra-all 5.0 (the test class path) and 4.1
 * (its jar), and the check names the reference that would break a family (the ones that broke 4.1 before).
 */
class FamilyCheckTest {
    private static final ClassLoader LOADER = FamilyCheckTest.class.getClassLoader();
    private static final ClassFileLocator AGENT = ClassFileLocator.ForClassLoader.of(LOADER);

    static FamilyCheck on50() {
        return new FamilyCheck(TypePool.Default.of(AGENT), AGENT);
    }

    static FamilyCheck on41() throws IOException {
        ClassFileLocator cassandra41 = new ClassFileLocator.Compound(
                ClassFileLocator.ForJarFile.of(Runtimes.cassandra41Jar().toFile()), AGENT);
        return new FamilyCheck(TypePool.Default.of(cassandra41), AGENT);
    }

    @TestFactory
    List<DynamicTest> everyFamilyResolvesOn50And41() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        FamilyCheck on50 = on50();
        FamilyCheck on41 = on41();
        for (HookFamily family : HookFamily.values()) {
            tests.add(DynamicTest.dynamicTest("5.0: " + family.label, () -> assertNull(on50.problem(Hooks.of(family)))));
            tests.add(DynamicTest.dynamicTest("4.1: " + family.label, () -> assertNull(on41.problem(Hooks.of(family)))));
        }
        return tests;
    }

    @Test
    void everyHookBelongsToAFamilyThatHasHooks() {
        int total = 0;
        for (HookFamily family : HookFamily.values()) {
            int n = Hooks.of(family).size();
            assertEquals(true, n > 0, family.label);
            total += n;
        }
        assertEquals(Hooks.all().size(), total);
        assertEquals(53, total);
    }

    @Test
    void aMethodMissingOn41IsNamedThroughAnAgentHelper() throws IOException {
        List<Hook> hooks = List.of(probe(LegacyProbes.TokenProbe.class));
        assertNull(on50().problem(hooks));
        assertEquals("missing org.apache.cassandra.dht.Token.getLongValue()J", on41().problem(hooks));
    }

    @Test
    void aLambdaWhoseInterfaceMethodDiffersOn41IsNamed() throws IOException {
        List<Hook> hooks = List.of(probe(LegacyProbes.HistogramProbe.class));
        assertNull(on50().problem(hooks));
        assertEquals("missing org.apache.cassandra.utils.streamhist.HistogramDataConsumer.consume(JI)V (lambda)",
                on41().problem(hooks));
    }

    @Test
    void aHookMatchingNoMethodIsNamed() {
        Hook hook = new Hook(HookFamily.WRITES, Hooks.MUTATION, "noSuchMethod()",
                named("noSuchMethod"), LegacyProbes.TokenProbe.class.getName());
        assertEquals("org.apache.cassandra.db.Mutation.noSuchMethod() matches 0 methods", on50().problem(List.of(hook)));
        Hook missing = new Hook(HookFamily.WRITES, "org.apache.cassandra.NoSuchClass", "x()", named("x"),
                LegacyProbes.TokenProbe.class.getName());
        assertEquals("missing class org.apache.cassandra.NoSuchClass", on50().problem(List.of(missing)));
    }

    private static Hook probe(Class<?> advice) {
        return new Hook(HookFamily.WRITES, Hooks.MUTATION, "apply()", named("apply").and(takesArguments(0)),
                advice.getName());
    }
}
