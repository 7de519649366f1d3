package io.cdflow.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlatYamlParserTest {
    static String error(String text) {
        return assertThrows(ConfigException.class, () -> FlatYamlParser.parse("cdflow.yaml", text)).getMessage();
    }

    @Test
    void readsFlatKeyValueLinesWithCommentsAndQuotes() throws ConfigException {
        Map<String, ConfigValue> v = FlatYamlParser.parse("cdflow.yaml", String.join("\n",
                "# cdflow configuration",
                "",
                "output: /var/lib/cdflow/lineage   # where files go",
                "roll_seconds: 60",
                "raw_keys: 'false'",
                "key_file: \"/etc/cdflow/key # not a comment\"",
                "quoted_quote: 'it''s'",
                "path_with_hash: /a#b",
                "   # indented comment is fine",
                "neg: -1",
                ""));
        assertEquals(List.of("output", "roll_seconds", "raw_keys", "key_file", "quoted_quote", "path_with_hash", "neg"),
                List.copyOf(v.keySet()));
        assertEquals("/var/lib/cdflow/lineage", v.get("output").value);
        assertEquals("cdflow.yaml:3", v.get("output").origin);
        assertEquals("false", v.get("raw_keys").value);
        assertEquals("/etc/cdflow/key # not a comment", v.get("key_file").value);
        assertEquals("it's", v.get("quoted_quote").value);
        assertEquals("/a#b", v.get("path_with_hash").value);
        assertEquals("-1", v.get("neg").value);
    }

    @Test
    void windowsLineEndingsAreAccepted() throws ConfigException {
        assertEquals("x", FlatYamlParser.parse("f", "output: x\r\nroll_seconds: 5\r\n").get("output").value);
    }

    @Test
    void nestedYamlIsRejectedWithFileAndLine() {
        String msg = error("output: /x\nlimits:\n  roll_seconds: 5\n");
        assertTrue(msg.startsWith("cdflow.yaml:2: "), msg);
        assertTrue(msg.contains("nested"), msg);
    }

    @Test
    void indentedLineIsRejected() {
        String msg = error("output: /x\n  roll_seconds: 5\n");
        assertTrue(msg.startsWith("cdflow.yaml:2: indented line"), msg);
    }

    @Test
    void malformedLineIsRejected() {
        assertTrue(error("output /x\n").startsWith("cdflow.yaml:1: expected 'key: value'"));
        assertTrue(error("ok: 1\n\n= 3\n").startsWith("cdflow.yaml:3: "));
        assertTrue(error("output:/x\n").startsWith("cdflow.yaml:1: expected a space"));
    }

    @Test
    void collectionsAndSpecialFormsAreRejected() {
        assertTrue(error("seeds: [a, b]\n").startsWith("cdflow.yaml:1: value of 'seeds' looks like a yaml collection"));
        assertTrue(error("m: {a: 1}\n").contains("cdflow.yaml:1"));
        assertTrue(error("l: - a\n").contains("cdflow.yaml:1"));
        assertTrue(error("t: |\n  text\n").contains("cdflow.yaml:1"));
        assertTrue(error("- a\n").startsWith("cdflow.yaml:1: expected 'key: value'"));
        assertTrue(error("---\noutput: x\n").startsWith("cdflow.yaml:1: "));
    }

    @Test
    void badQuotingIsRejected() {
        assertTrue(error("a: \"open\n").startsWith("cdflow.yaml:1: unterminated double-quoted"));
        assertTrue(error("a: 'open\n").startsWith("cdflow.yaml:1: unterminated single-quoted"));
        assertTrue(error("a: \"x\" y\n").startsWith("cdflow.yaml:1: unexpected text after the quoted value"));
        assertTrue(error("a: \"\\n\"\n").startsWith("cdflow.yaml:1: unsupported escape"));
    }

    @Test
    void duplicateKeyNamesBothLines() {
        String msg = error("output: a\nroll_seconds: 1\noutput: b\n");
        assertEquals("cdflow.yaml:3: duplicate key 'output' (first set at cdflow.yaml:1)", msg);
    }

    @Test
    void keyWithoutValueIsRejected() {
        assertEquals("cdflow.yaml:1: 'output' has no value (nested yaml is not supported)", error("output:\n"));
        assertTrue(error("output:   # nothing\n").startsWith("cdflow.yaml:1: 'output' has no value"));
    }
}
