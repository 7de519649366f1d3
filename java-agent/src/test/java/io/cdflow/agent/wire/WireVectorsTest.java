package io.cdflow.agent.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdflow.agent.testutil.Hex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The encoder reproduces every valid case of tests/vectors/wire-v1.json byte for byte: STRING_DEF records first in
 * id order, then the events.
 */
class WireVectorsTest {
    static Path vectorsFile() {
        return Path.of(System.getProperty("cdflow.wireVectors", "../tests/vectors/wire-v1.json"));
    }

    static JsonNode vectors() throws IOException {
        return new ObjectMapper().readTree(vectorsFile().toFile());
    }

    @Test
    void vectorFileHasValidCases() throws IOException {
        int valid = 0;
        for (JsonNode c : vectors()) {
            if (c.has("events")) {
                valid++;
            }
        }
        assertTrue(valid >= 5, "expected the valid cases of wire-v1.json, found " + valid);
    }

    @TestFactory
    List<DynamicTest> encoderReproducesEveryValidVector() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : vectors()) {
            if (c.has("events")) {
                tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> assertEquals(c.get("hex").asText(), encode(c))));
            }
        }
        return tests;
    }

    /** Encodes a vector case the way docs/wire-format.md describes its hex. */
    static String encode(JsonNode c) {
        Map<Integer, String> strings = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : c.get("strings").properties()) {
            strings.put(Integer.parseInt(e.getKey()), e.getValue().asText());
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        int pos = WireFormat.BATCH_HEADER_BYTES;
        for (Map.Entry<Integer, String> s : strings.entrySet()) {
            pos += BatchEncoder.writeStringDef(buf, pos, s.getKey(), s.getValue().getBytes(StandardCharsets.UTF_8));
        }
        MutationEvent event = new MutationEvent();
        for (JsonNode e : c.get("events")) {
            fill(event.clear(), e);
            int written = EventEncoder.write(buf, pos, event);
            assertEquals(event.encodedRecordBytes(), written);
            pos += written;
        }
        BatchEncoder.writeHeader(buf, strings.size() + c.get("events").size());
        return Hex.encode(buf, 0, pos);
    }

    static void fill(MutationEvent m, JsonNode e) {
        m.eventTimeMicros = e.get("event_time_us").asLong();
        m.kind = switch (e.get("kind").asText()) {
            case "coordinator_write" -> WireFormat.KIND_COORDINATOR_WRITE;
            case "replica_write" -> WireFormat.KIND_REPLICA_WRITE;
            default -> throw new IllegalArgumentException(e.get("kind").asText());
        };
        m.consistency = e.get("consistency_code").asInt();
        m.flags = e.get("flags").asInt();
        m.node = e.get("node").asInt();
        m.keyspace = e.get("keyspace").asInt();
        m.table = e.get("table").asInt();
        m.user = e.get("user").asInt();
        m.clientAddress = e.get("client_address").asInt();
        m.driverName = e.get("driver_name").asInt();
        m.driverVersion = e.get("driver_version").asInt();
        m.statementType = e.get("statement_type").asInt();
        m.coordinator = e.get("coordinator").asInt();
        m.error = e.get("error").asInt();
        m.token = e.get("token").asLong();
        m.messageId = e.get("message_id").asLong();
        m.latencyMicros = e.get("latency_us").asLong();
        m.bytes = e.get("bytes").asLong();
        m.rows = e.get("rows").asLong();
        m.cells = e.get("cells").asLong();
        m.tombstones = e.get("tombstones").asLong();
        m.ttlCells = e.get("ttl_cells").asLong();
        m.replicas = e.get("replicas").asInt();
        m.setKey(ByteBuffer.wrap(Hex.decode(e.get("key_hex").asText())));
    }
}
