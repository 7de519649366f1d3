package io.cdflow.agent.instrument;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.annotation.AnnotationDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.ParameterDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.pool.TypePool;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * What the inlined advice costs the JIT (issue 17, docs/performance.md "the JIT and the advice"): no hooked method
 * of Cassandra 5.0 or 4.1 grows past HotSpot's FreqInlineSize (325 bytes of bytecode: the largest method C2 inlines
 * at a hot call site) or HugeMethodLimit (8000: not compiled at all) because of the advice. That is why every exit
 * advice reads the arguments in place ({@code backupArguments = false}: ByteBuddy would otherwise copy each
 * argument to a new local and rewrite every load of it in the method with a longer instruction, which put
 * {@code StorageProxy.mutateWithTriggers}, called once per client write, at 352 bytes instead of 282). Reading
 * them in place is sound only because no hooked method assigns to an argument its exit advice reads: checked here.
 */
class AdviceFootprintTest {
    /** HotSpot's default -XX:FreqInlineSize on x86_64 (JDK 11 and 17). */
    static final int FREQ_INLINE_SIZE = 325;
    /** HotSpot's -XX:HugeMethodLimit: larger methods are never compiled. */
    static final int HUGE_METHOD_LIMIT = 8000;

    private static final ClassFileLocator LOCATOR =
            ClassFileLocator.ForClassLoader.of(AdviceFootprintTest.class.getClassLoader());
    private static final Pattern INSTRUCTION = Pattern.compile("^\\s+(\\d+): (\\w+)");

    @TestFactory
    List<DynamicTest> noAdviceTakesAHookedMethodPastAnInliningLimit() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, ClassFileLocator> series : series().entrySet()) {
            TypePool pool = TypePool.Default.of(series.getValue());
            for (Map.Entry<String, List<Hook>> e : hooksPerType(pool).entrySet()) {
                tests.add(DynamicTest.dynamicTest(series.getKey() + ": " + e.getKey(), () -> {
                    byte[] before = series.getValue().locate(e.getKey()).resolve();
                    byte[] after = instrument(pool, series.getValue(), e.getKey(), e.getValue());
                    Map<String, Integer> sizesBefore = codeSizes(before);
                    Map<String, Integer> sizesAfter = codeSizes(after);
                    for (Map.Entry<String, Integer> m : sizesAfter.entrySet()) {
                        int was = sizesBefore.getOrDefault(m.getKey(), 0);
                        int is = m.getValue();
                        assertTrue(is <= HUGE_METHOD_LIMIT, m.getKey() + " grew to " + is + " bytes");
                        if (was <= FREQ_INLINE_SIZE && !exempt(e.getKey(), m.getKey())) {
                            assertTrue(is <= FREQ_INLINE_SIZE,
                                    m.getKey() + " grew from " + was + " to " + is + " bytes, past FreqInlineSize");
                        }
                    }
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> noHookedMethodAssignsAnArgumentItsExitAdviceReads() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, ClassFileLocator> series : series().entrySet()) {
            TypePool pool = TypePool.Default.of(series.getValue());
            for (Hook hook : withOlder()) {
                TypePool.Resolution type = pool.describe(hook.typeName);
                if (!type.isResolved()) {
                    continue;
                }
                Set<Integer> read = exitArguments(pool.describe(hook.adviceClassName).resolve());
                for (MethodDescription.InDefinedShape method : type.resolve().getDeclaredMethods().filter(hook.method)) {
                    tests.add(DynamicTest.dynamicTest(series.getKey() + ": " + hook, () -> {
                        Set<Integer> slots = new TreeSet<>();
                        for (int index : read) {
                            slots.add(method.getParameters().get(index).getOffset());
                        }
                        Set<Integer> stored = storedSlots(series.getValue().locate(hook.typeName).resolve(), method);
                        stored.retainAll(slots);
                        assertEquals(Set.of(), stored, method + " assigns an argument its exit advice reads");
                    }));
                }
            }
        }
        return tests;
    }

    /**
     * HintVerbHandler.doVerb (281 → 329 bytes on 5.0): runs once per hint a replica receives, never on a client
     * write, and only through the inbound sink's call of {@code IVerbHandler.doVerb} for every verb, a megamorphic
     * call site where C2 inlines no callee whatever its size.
     */
    private static boolean exempt(String typeName, String method) {
        return typeName.equals(Hooks.HINT_VERB_HANDLER) && method.contains(" doVerb(");
    }

    /** "5.0" → the test class path (cassandra-all 5.0.9), "4.1" → the 4.1 jar, then the class path for the JDK. */
    private static Map<String, ClassFileLocator> series() throws IOException {
        Map<String, ClassFileLocator> series = new LinkedHashMap<>();
        series.put("5.0", LOCATOR);
        series.put("4.1", new ClassFileLocator.Compound(
                ClassFileLocator.ForJarFile.of(io.cdflow.agent.testutil.Runtimes.cassandra41Jar().toFile()), LOCATOR));
        return series;
    }

    private static List<Hook> withOlder() {
        List<Hook> all = new ArrayList<>();
        for (Hook hook : Hooks.all()) {
            for (Hook h = hook; h != null; h = h.older) {
                all.add(h);
            }
        }
        return all;
    }

    /** The hooks (and older hook points) per type of this series, as the installer groups them. */
    private static Map<String, List<Hook>> hooksPerType(TypePool pool) {
        Map<String, List<Hook>> perType = new LinkedHashMap<>();
        for (Hook hook : withOlder()) {
            if (pool.describe(hook.typeName).isResolved()) {
                perType.computeIfAbsent(hook.typeName, t -> new ArrayList<>()).add(hook);
            }
        }
        return perType;
    }

    private static byte[] instrument(TypePool pool, ClassFileLocator locator, String typeName, List<Hook> hooks) {
        AsmVisitorWrapper.ForDeclaredMethods visitor = new AsmVisitorWrapper.ForDeclaredMethods();
        for (Hook hook : hooks) {
            visitor = visitor.invokable(hook.method, Advice.to(pool.describe(hook.adviceClassName).resolve(), locator));
        }
        return new ByteBuddy().redefine(pool.describe(typeName).resolve(), locator).visit(visitor).make().getBytes();
    }

    /** Indexes of the hooked method's arguments that the advice's exit method reads ({@code @Advice.Argument}). */
    private static Set<Integer> exitArguments(TypeDescription advice) {
        Set<Integer> read = new TreeSet<>();
        for (MethodDescription.InDefinedShape m : advice.getDeclaredMethods()) {
            if (m.getDeclaredAnnotations().isAnnotationPresent(Advice.OnMethodExit.class)) {
                for (ParameterDescription.InDefinedShape p : m.getParameters()) {
                    AnnotationDescription.Loadable<Advice.Argument> argument =
                            p.getDeclaredAnnotations().ofType(Advice.Argument.class);
                    if (argument != null) {
                        read.add(argument.load().value());
                    }
                }
            }
        }
        return read;
    }

    /** Local variable slots the method's code stores into (xSTORE, IINC). */
    private static Set<Integer> storedSlots(byte[] classFile, MethodDescription.InDefinedShape method) {
        Set<Integer> stored = new TreeSet<>();
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                if (!name.equals(method.getInternalName()) || !descriptor.equals(method.getDescriptor())) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitVarInsn(int opcode, int slot) {
                        if (opcode >= Opcodes.ISTORE && opcode <= Opcodes.ASTORE) {
                            stored.add(slot);
                        }
                    }

                    @Override
                    public void visitIincInsn(int slot, int increment) {
                        stored.add(slot);
                    }
                };
            }
        }, ClassReader.SKIP_DEBUG);
        return stored;
    }

    /**
     * Bytecode size of every method of a class file, as {@code javap -c -p} lists them: the last instruction's
     * offset plus its length (a method always ends with a return, athrow or goto).
     */
    static Map<String, Integer> codeSizes(byte[] classFile) throws IOException {
        Path file = Files.createTempFile("cdflow-footprint", ".class");
        try {
            Files.write(file, classFile);
            StringWriter out = new StringWriter();
            ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
            int rc = javap.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "-c", "-p", file.toString());
            assertEquals(0, rc, "javap failed on " + file);
            Map<String, Integer> sizes = new LinkedHashMap<>();
            String method = null;
            String last = null;
            for (String line : out.toString().split("\n")) {
                if (line.startsWith("  ") && !line.startsWith("   ") && line.trim().endsWith(";")) {
                    putSize(sizes, method, last);
                    method = line.trim();
                    last = null;
                } else if (method != null && INSTRUCTION.matcher(line).find()) {
                    last = line;
                }
            }
            putSize(sizes, method, last);
            return sizes;
        } finally {
            Files.delete(file);
        }
    }

    private static void putSize(Map<String, Integer> sizes, String method, String lastInstruction) {
        if (method == null || lastInstruction == null) {
            return;
        }
        Matcher m = INSTRUCTION.matcher(lastInstruction);
        assertTrue(m.find());
        int length;
        switch (m.group(2)) {
            case "goto":
                length = 3;
                break;
            case "goto_w":
                length = 5;
                break;
            case "return": case "areturn": case "ireturn": case "lreturn": case "freturn": case "dreturn": case "athrow":
                length = 1;
                break;
            default:
                throw new AssertionError(method + " ends with " + m.group(2));
        }
        sizes.put(method, Integer.parseInt(m.group(1)) + length);
    }
}
