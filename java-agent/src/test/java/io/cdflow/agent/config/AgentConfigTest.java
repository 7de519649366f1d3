package io.cdflow.agent.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
    @TempDir
    Path dir;

    static String error(String args) {
        return assertThrows(ConfigException.class, () -> AgentConfig.fromAgentArgs(args)).getMessage();
    }

    Path yaml(String text) throws IOException {
        Path f = dir.resolve("cdflow.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void defaults() throws ConfigException {
        AgentConfig c = AgentConfig.fromAgentArgs(null);
        assertTrue(c.enabled);
        assertFalse(c.includeSystemKeyspaces);
        assertNull(c.nativeLib);
        assertEquals(16384, c.bufferBytes);
        assertEquals(1000, c.flushMillis);
        assertTrue(c.coreOptions.isEmpty());
    }

    @Test
    void javaKeysAreTypedAndOtherKeysGoToTheCoreInOrder() throws ConfigException {
        AgentConfig c = AgentConfig.fromAgentArgs(
                "output=/tmp/lineage, buffer_bytes=65536,flush_millis=250,roll_seconds=5,include_system_keyspaces=true,"
                        + "native_lib=/opt/libcdflow_jni.so,enabled=true,bogus=1");
        assertEquals(65536, c.bufferBytes);
        assertEquals(250, c.flushMillis);
        assertTrue(c.includeSystemKeyspaces);
        assertEquals(Path.of("/opt/libcdflow_jni.so"), c.nativeLib);
        assertArrayEquals(new String[] {"output", "/tmp/lineage", "roll_seconds", "5", "bogus", "1"}, c.coreOptionArray());
        assertEquals("/tmp/lineage", c.output());
    }

    @Test
    void configFileIsReadAndArgumentsOverrideIt() throws Exception {
        Path f = yaml("output: /from/file\nroll_seconds: 30\nbuffer_bytes: 32768\n");
        AgentConfig c = AgentConfig.fromAgentArgs("config=" + f + ",roll_seconds=5");
        assertEquals(32768, c.bufferBytes);
        assertArrayEquals(new String[] {"output", "/from/file", "roll_seconds", "5"}, c.coreOptionArray());
    }

    @Test
    void fileModeKeysReachTheCoreVerbatim() throws Exception {
        AgentConfig inline = AgentConfig.fromAgentArgs("output=/l,file_mode=0640,dir_mode=750,group=cdflow-readers");
        assertArrayEquals(new String[] {"output", "/l", "file_mode", "0640", "dir_mode", "750", "group", "cdflow-readers"},
                inline.coreOptionArray());
        // A yaml 1.1 reader would turn 0640 into the number 416: the flat reader keeps the text.
        Path f = yaml("output: /l\nfile_mode: 0640\ndir_mode: '0750'\ngroup: 1234\n");
        AgentConfig fromFile = AgentConfig.fromAgentArgs("config=" + f + ",file_mode=0600");
        assertArrayEquals(new String[] {"output", "/l", "file_mode", "0600", "dir_mode", "0750", "group", "1234"},
                fromFile.coreOptionArray());
    }

    @Test
    void badJavaKeyValueInFileNamesFileAndLine() throws Exception {
        Path f = yaml("# comment\noutput: /x\nbuffer_bytes: lots\n");
        String msg = error("config=" + f);
        assertEquals(f + ":3: buffer_bytes: expected an integer between 1135 and 16777216, got 'lots'", msg);
    }

    @Test
    void badJavaKeyTypesInArguments() {
        assertEquals("agent argument: enabled: expected true or false, got 'yes'", error("enabled=yes"));
        assertEquals("agent argument: include_system_keyspaces: expected true or false, got 'TRUE'",
                error("include_system_keyspaces=TRUE"));
        assertTrue(error("flush_millis=1.5").startsWith("agent argument: flush_millis: expected an integer between 10 and 60000"));
        assertTrue(error("flush_millis=0").contains("got '0'"));
        assertTrue(error("buffer_bytes=99999999999").contains("buffer_bytes"));
        assertTrue(error("native_lib=").startsWith("agent argument: native_lib: expected a path"));
    }

    @Test
    void nestedYamlInConfigFileNamesFileAndLine() throws Exception {
        Path f = yaml("output: /x\ncore:\n  roll_seconds: 5\n");
        String msg = error("config=" + f);
        assertTrue(msg.startsWith(f + ":2: "), msg);
    }

    @Test
    void malformedArguments() {
        assertEquals("agent argument: expected key=value, got 'output'", error("output"));
        assertEquals("agent argument: expected key=value, got ''", error("output=/x,"));
        assertEquals("agent argument: duplicate key 'output'", error("output=/x,output=/y"));
    }

    @Test
    void missingConfigFile() {
        String msg = error("config=" + dir.resolve("absent.yaml"));
        assertTrue(msg.startsWith(dir.resolve("absent.yaml") + ": cannot read config file"), msg);
    }

    @Test
    void configKeyInsideConfigFileIsRejected() throws Exception {
        Path f = yaml("config: /other.yaml\n");
        assertEquals(f + ":1: 'config' cannot be set in a config file", error("config=" + f));
    }
}
