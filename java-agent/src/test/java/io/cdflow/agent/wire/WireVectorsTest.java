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
 * id order, then the events (MUTATION_EVENT with their extension fields, TAGGED_EVENT), fields in the order listed.
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
        int tagged = 0;
        int extended = 0;
        for (JsonNode c : vectors()) {
            if (c.has("events")) {
                valid++;
                for (JsonNode e : c.get("events")) {
                    tagged += e.has("tagged") ? 1 : 0;
                    extended += e.has("extension") ? 1 : 0;
                }
            }
        }
        assertTrue(valid >= 9, "expected the valid cases of wire-v1.json, found " + valid);
        assertTrue(tagged >= 7, "expected the tagged events of wire-v1.json, found " + tagged);
        assertTrue(extended >= 1, "expected a MUTATION_EVENT with extension fields, found " + extended);
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
        TaggedEvent tagged = new TaggedEvent();
        for (JsonNode e : c.get("events")) {
            WireRecord record;
            if (e.has("tagged")) {
                tagged.start(table(e.get("tagged").asText()));
                fields(tagged.fields, e.get("fields"));
                record = tagged;
            } else {
                fill(event.clear(), e);
                record = event;
            }
            int written = record.writeRecord(buf, pos);
            assertEquals(record.encodedRecordBytes(), written);
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
        if (e.has("extension")) {
            fields(m.extension, e.get("extension"));
        }
    }

    static byte table(String name) {
        return switch (name) {
            case "events" -> WireFormat.TABLE_EVENTS;
            case "flushes" -> WireFormat.TABLE_FLUSHES;
            case "compactions" -> WireFormat.TABLE_COMPACTIONS;
            case "sstables" -> WireFormat.TABLE_SSTABLES;
            case "auth_events" -> WireFormat.TABLE_AUTH_EVENTS;
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** Writes {@code [[id, type, value], ...]} in the order listed. */
    static void fields(FieldWriter w, JsonNode list) {
        for (JsonNode f : list) {
            int id = f.get(0).asInt();
            JsonNode v = f.get(2);
            boolean ok = switch (f.get(1).asInt()) {
                case WireFormat.FIELD_I64 -> w.i64(id, v.asLong());
                case WireFormat.FIELD_STR -> w.str(id, v.asInt());
                case WireFormat.FIELD_BOOL -> w.bool(id, v.asBoolean());
                case WireFormat.FIELD_BYTES -> w.bytes(id, Hex.decode(v.asText()));
                case WireFormat.FIELD_TEXT -> w.text(id, v.asText());
                case WireFormat.FIELD_TEXT_LIST -> {
                    List<String> items = new ArrayList<>();
                    v.forEach(item -> items.add(item.asText()));
                    yield w.textList(id, items);
                }
                default -> throw new IllegalArgumentException("field type " + f.get(1));
            };
            assertTrue(ok, "field " + f + " was not written");
        }
    }
}
