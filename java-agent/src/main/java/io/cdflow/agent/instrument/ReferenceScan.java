package io.cdflow.agent.instrument;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Type;
import net.bytebuddy.utility.OpenedClassReader;

/**
 * The Cassandra (and netty) members the agent's code can reach from a set of advice classes: every method of the
 * advice classes, then, transitively, the agent methods they call (and the static initializers of the agent
 * classes they touch), collecting each reference to a class, field or method outside the JDK and the agent —
 * lambda interfaces included (the interface method a lambda implements must exist with the same descriptor).
 * Reads class files only (through a {@link ClassFileLocator}); loads nothing.
 */
final class ReferenceScan {
    private static final String AGENT = "io/cdflow/agent/";

    /** One reference in JVM form: kind, owner (internal name), member name and descriptor (null for a class). */
    static final class Ref {
        final char kind; // 'C' class, 'F' field, 'M' method, 'L' lambda interface method
        final String owner;
        final String name;
        final String descriptor;

        Ref(char kind, String owner, String name, String descriptor) {
            this.kind = kind;
            this.owner = owner;
            this.name = name;
            this.descriptor = descriptor;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ref && toString().equals(o.toString());
        }

        @Override
        public int hashCode() {
            return toString().hashCode();
        }

        @Override
        public String toString() {
            String type = owner.replace('/', '.');
            switch (kind) {
                case 'C':
                    return type;
                case 'F':
                    return type + "." + name + " (field " + descriptor + ")";
                case 'L':
                    return type + "." + name + descriptor + " (lambda)";
                default:
                    return type + "." + name + descriptor;
            }
        }
    }

    private final ClassFileLocator agentClasses;
    private final Map<String, Map<String, MethodRefs>> parsed = new HashMap<>();

    ReferenceScan(ClassFileLocator agentClasses) {
        this.agentClasses = agentClasses;
    }

    /** Every external reference reachable from {@code adviceClasses} (binary names). */
    Set<Ref> reachableFrom(Collection<String> adviceClasses) throws IOException {
        Set<Ref> external = new LinkedHashSet<>();
        Set<String> seen = new HashSet<>();
        Deque<String[]> work = new ArrayDeque<>();
        for (String advice : adviceClasses) {
            String owner = advice.replace('.', '/');
            for (String key : methods(owner).keySet()) {
                work.add(new String[] {owner, key});
            }
        }
        while (!work.isEmpty()) {
            String[] m = work.poll();
            if (!seen.add(m[0] + "." + m[1])) {
                continue;
            }
            MethodRefs refs = methods(m[0]).get(m[1]);
            if (refs == null) {
                continue; // inherited from a JDK class (e.g. Object), or abstract
            }
            external.addAll(refs.external);
            for (String[] call : refs.agentCalls) {
                work.add(call);
                work.add(new String[] {call[0], "<clinit>()V"});
            }
        }
        return external;
    }

    private Map<String, MethodRefs> methods(String owner) throws IOException {
        Map<String, MethodRefs> m = parsed.get(owner);
        if (m == null) {
            ClassFileLocator.Resolution r = agentClasses.locate(owner.replace('/', '.'));
            m = new HashMap<>();
            if (r.isResolved()) {
                new ClassReader(r.resolve()).accept(new Collector(m), ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
            }
            parsed.put(owner, m);
        }
        return m;
    }

    private static final class MethodRefs {
        final Set<Ref> external = new LinkedHashSet<>();
        final List<String[]> agentCalls = new ArrayList<>();
    }

    private static boolean isExternal(String internalName) {
        return internalName.startsWith("org/apache/cassandra/") || internalName.startsWith("io/netty/");
    }

    private static final class Collector extends ClassVisitor {
        private final Map<String, MethodRefs> methods;

        Collector(Map<String, MethodRefs> methods) {
            super(OpenedClassReader.ASM_API);
            this.methods = methods;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
            MethodRefs refs = new MethodRefs();
            methods.put(name + descriptor, refs);
            type(refs, Type.getMethodType(descriptor));
            return new MethodVisitor(OpenedClassReader.ASM_API) {
                @Override
                public void visitMethodInsn(int opcode, String owner, String mName, String mDesc, boolean itf) {
                    call(refs, owner, mName, mDesc);
                }

                @Override
                public void visitFieldInsn(int opcode, String owner, String fName, String fDesc) {
                    if (isExternal(owner)) {
                        refs.external.add(new Ref('F', owner, fName, fDesc));
                    } else if (owner.startsWith(AGENT)) {
                        refs.agentCalls.add(new String[] {owner, "<clinit>()V"});
                    }
                    type(refs, Type.getType(fDesc));
                }

                @Override
                public void visitTypeInsn(int opcode, String type) {
                    type(refs, Type.getObjectType(type));
                }

                @Override
                public void visitLdcInsn(Object value) {
                    if (value instanceof Type) {
                        type(refs, (Type) value);
                    }
                }

                @Override
                public void visitInvokeDynamicInsn(String iName, String iDesc, Handle bsm, Object... args) {
                    Type lambdaType = Type.getReturnType(iDesc);
                    if (args.length >= 3 && args[0] instanceof Type && args[1] instanceof Handle) {
                        if (isExternal(lambdaType.getInternalName())) {
                            refs.external.add(new Ref('L', lambdaType.getInternalName(), iName,
                                    ((Type) args[0]).getDescriptor()));
                        }
                        Handle impl = (Handle) args[1];
                        call(refs, impl.getOwner(), impl.getName(), impl.getDesc());
                    }
                    type(refs, Type.getMethodType(iDesc));
                }
            };
        }

        private static void call(MethodRefs refs, String owner, String name, String desc) {
            if (owner.startsWith("[")) {
                type(refs, Type.getType(owner));
                return;
            }
            if (isExternal(owner)) {
                refs.external.add(new Ref('M', owner, name, desc));
            } else if (owner.startsWith(AGENT)) {
                refs.agentCalls.add(new String[] {owner, name + desc});
            }
            type(refs, Type.getMethodType(desc));
        }

        private static void type(MethodRefs refs, Type t) {
            switch (t.getSort()) {
                case Type.METHOD:
                    for (Type a : t.getArgumentTypes()) {
                        type(refs, a);
                    }
                    type(refs, t.getReturnType());
                    break;
                case Type.ARRAY:
                    type(refs, t.getElementType());
                    break;
                case Type.OBJECT:
                    if (isExternal(t.getInternalName())) {
                        refs.external.add(new Ref('C', t.getInternalName(), null, null));
                    }
                    break;
                default:
                    break;
            }
        }
    }

}
