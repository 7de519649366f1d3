package io.cdflow.agent.nativecore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** {@link NativeCore}'s counter names and indexes against docs/native-interface.md, the contract with the core. */
class NativeCoreNamesTest {
    static List<String> documentedCounters() throws IOException {
        Path doc = Path.of(System.getProperty("cdflow.nativeInterfaceDoc", "../docs/native-interface.md"));
        String row = Files.readAllLines(doc).stream()
                .filter(line -> line.startsWith("| `static native long[] counters()`"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no counters() row in " + doc));
        String list = row.substring(row.indexOf("`[") + 2, row.indexOf("]`"));
        return Arrays.stream(list.split(",")).map(String::trim).toList();
    }

    @Test
    void counterNamesAreThoseOfTheDocs() throws IOException {
        assertEquals(documentedCounters(), List.of(NativeCore.COUNTER_NAMES));
    }

    @Test
    void everyIndexConstantNamesItsCounter() throws IllegalAccessException {
        int constants = 0;
        for (Field f : NativeCore.class.getFields()) {
            if (f.getName().startsWith("COUNTER_") && f.getType() == int.class && Modifier.isStatic(f.getModifiers())) {
                String name = f.getName().substring("COUNTER_".length()).toLowerCase(Locale.ROOT);
                assertEquals(name, NativeCore.COUNTER_NAMES[f.getInt(null)], f.getName());
                constants++;
            }
        }
        assertEquals(NativeCore.COUNTER_NAMES.length, constants, "one index constant per counter");
    }
}
