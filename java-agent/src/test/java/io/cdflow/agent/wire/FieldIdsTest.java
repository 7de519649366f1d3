package io.cdflow.agent.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@link FieldIds} is the core's field registry: the same constants with the same ids as
 * tests/vectors/fields.json, which the core generates from its one declaration (and checks in its own test).
 */
class FieldIdsTest {
    static Path registryFile() {
        return Path.of(System.getProperty("cdflow.fieldsJson", "../tests/vectors/fields.json"));
    }

    @Test
    void constantsAreTheRegistry() throws IOException, IllegalAccessException {
        Map<String, Integer> registry = new TreeMap<>();
        for (JsonNode field : new ObjectMapper().readTree(registryFile().toFile())) {
            registry.put(field.get("constant").asText(), field.get("id").asInt());
        }
        assertTrue(registry.size() >= 83, "expected the registry in " + registryFile() + ", found " + registry.size());
        Map<String, Integer> constants = new TreeMap<>();
        for (Field constant : FieldIds.class.getDeclaredFields()) {
            int modifiers = constant.getModifiers();
            if (Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers) && constant.getType() == int.class) {
                constants.put(constant.getName(), constant.getInt(null));
            }
        }
        Set<String> names = new TreeSet<>(registry.keySet());
        names.addAll(constants.keySet());
        List<String> differences = new ArrayList<>();
        for (String name : names) {
            if (!Objects.equals(registry.get(name), constants.get(name))) {
                differences.add(name + ": registry " + registry.get(name) + ", FieldIds " + constants.get(name));
            }
        }
        assertEquals(List.of(), differences, "FieldIds differs from " + registryFile() + " (the core's registry)");
    }
}
