package io.cdflow.agent.instrument;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The build-time reference check: on every supported cassandra-all release (the jars the pom copies into
 * {@code target/reference-jars}, one line per release), every hook of every family matches exactly one method and
 * every class, field, method and lambda interface the agent's code reaches resolves ({@link FamilyCheck}, the same
 * check the agent runs on a node before installing a family). A release missing from the directory, or an empty
 * directory, fails: a check that checked nothing is a failure.
 *
 * <p>Releases before a hook point existed are listed with the families the agent skips there (refuse to
 * half-install). Where a hook point moved, the hook names the older one ({@link Hook#older}) and the check takes it
 * on the releases that lack the newer: {@code MutationVerbHandler.doVerb} and {@code CounterMutationVerbHandler.doVerb}
 * before {@code applyMutation} (4.1.0 to 4.1.6, 5.0.0), {@code Message.outWithFlag} before {@code outWithFlags}
 * (4.1.0 to 4.1.5). 4.1.0 to 4.1.2 skip compaction: their {@code updateCompactionHistory} takes no compaction id
 * (the id that joins the lineage to {@code system.compaction_history}). Every hook chosen on a release also inlines
 * its advice into that release's class.
 */
class ReferenceCheckTest {
    /** The releases the pom lists; the directory must hold exactly these. */
    static final List<String> SUPPORTED = List.of("4.1.0", "4.1.1", "4.1.2", "4.1.3", "4.1.4", "4.1.5", "4.1.6", "4.1.7", "4.1.8", "4.1.9", "4.1.10",
            "5.0.0", "5.0.1", "5.0.2", "5.0.3", "5.0.4", "5.0.5", "5.0.6", "5.0.7", "5.0.8", "5.0.9");

    /** Families skipped on a release (every other family installs completely); none for a release not listed. */
    static final Map<String, Set<String>> SKIPPED = Map.of(
            "4.1.0", Set.of("compaction"), "4.1.1", Set.of("compaction"), "4.1.2", Set.of("compaction"));

    private static final Set<String> BEFORE_APPLY_MUTATION = Set.of(
            "MutationVerbHandler.doVerb(Message)", "CounterMutationVerbHandler.doVerb(Message)");
    private static final Set<String> BEFORE_4_1_6 = Set.of("MutationVerbHandler.doVerb(Message)",
            "CounterMutationVerbHandler.doVerb(Message)", "Message.static outWithFlag(Verb, Object, MessageFlag)");

    /** The older hook points ({@link Hook#older}) each release takes; none for a release not listed. */
    static final Map<String, Set<String>> OLDER = Map.of(
            "4.1.0", BEFORE_4_1_6, "4.1.1", BEFORE_4_1_6, "4.1.2", BEFORE_4_1_6, "4.1.3", BEFORE_4_1_6,
            "4.1.4", BEFORE_4_1_6, "4.1.5", BEFORE_4_1_6, "4.1.6", BEFORE_APPLY_MUTATION, "5.0.0", BEFORE_APPLY_MUTATION);

    private static final ClassFileLocator AGENT =
            ClassFileLocator.ForClassLoader.of(ReferenceCheckTest.class.getClassLoader());

    @TestFactory
    List<DynamicTest> everyFamilyResolvesOnEverySupportedRelease() throws IOException {
        Path dir = Path.of(System.getProperty("cdflow.referenceJars", "target/reference-jars"));
        List<String> found;
        try (Stream<Path> jars = Files.list(dir)) {
            found = jars.map(p -> p.getFileName().toString())
                    .filter(name -> name.startsWith("cassandra-all-") && name.endsWith(".jar"))
                    .map(name -> name.substring("cassandra-all-".length(), name.length() - ".jar".length()))
                    .sorted()
                    .collect(Collectors.toList());
        }
        assertTrue(found.containsAll(SUPPORTED) && SUPPORTED.containsAll(found),
                "reference jars in " + dir + ": " + found + ", expected " + SUPPORTED);
        List<DynamicTest> tests = new ArrayList<>();
        for (String version : SUPPORTED) {
            Path jar = dir.resolve("cassandra-all-" + version + ".jar");
            tests.add(DynamicTest.dynamicTest(version, () -> {
                try (ClassFileLocator cassandra = ClassFileLocator.ForJarFile.of(jar.toFile())) {
                    // the release's own classes first; its dependencies (netty, …) from the test class path
                    FamilyCheck check = new FamilyCheck(
                            TypePool.Default.of(new ClassFileLocator.Compound(cassandra, AGENT)), AGENT);
                    Set<String> expectedSkipped = SKIPPED.getOrDefault(version, Set.of());
                    List<String> problems = new ArrayList<>();
                    Set<String> skipped = new TreeSet<>();
                    Set<String> older = new TreeSet<>();
                    ClassFileLocator both = new ClassFileLocator.Compound(cassandra, AGENT);
                    TypePool pool = TypePool.Default.of(both);
                    for (HookFamily family : HookFamily.values()) {
                        FamilyCheck.Resolution resolution = check.resolve(Hooks.of(family));
                        if (resolution.problem != null) {
                            skipped.add(family.label);
                            if (!expectedSkipped.contains(family.label)) {
                                problems.add(family.label + ": " + resolution.problem);
                            }
                            continue;
                        }
                        for (Hook hook : resolution.hooks) {
                            if (!Hooks.of(family).contains(hook)) {
                                older.add(hook.typeName.substring(hook.typeName.lastIndexOf('.') + 1) + "."
                                        + hook.description);
                            }
                            byte[] bytes = new ByteBuddy()
                                    .redefine(pool.describe(hook.typeName).resolve(), both)
                                    .visit(Advice.to(pool.describe(hook.adviceClassName).resolve(), AGENT).on(hook.method))
                                    .make()
                                    .getBytes();
                            assertTrue(bytes.length > 0, hook.toString());
                        }
                    }
                    assertNull(problems.isEmpty() ? null : problems, "cassandra-all " + version);
                    assertEquals(new TreeSet<>(expectedSkipped), skipped, "families skipped on " + version);
                    assertEquals(new TreeSet<>(OLDER.getOrDefault(version, Set.of())), older,
                            "older hook points taken on " + version);
                }
            }));
        }
        return tests;
    }
}
