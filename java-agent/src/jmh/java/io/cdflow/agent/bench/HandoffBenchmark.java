package io.cdflow.agent.bench;

import io.cdflow.agent.wire.EventClock;
import io.cdflow.agent.wire.EventEncoder;
import io.cdflow.agent.wire.FieldIds;
import io.cdflow.agent.wire.MutationEvent;
import io.cdflow.agent.wire.WireFormat;
import io.cdflow.agent.wire.WireRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Hand-off of one coordinator_write event into the real core. The event has the shape of a 1-row insert of the
 * load generator's table: an 8-byte key, session id and the per-table extension fields (177 bytes on the wire).
 *
 * <ul>
 *   <li>{@link #handoffEncoded}: the hand-off alone, of an event already encoded: {@code ThreadBuffers.current()}
 *       (the ThreadLocal lookup), the buffer's ownership flag, the copy of the record into the thread's direct
 *       buffer and, amortized over the ~90 events a 16 KiB buffer holds, the JNI {@code submit} that copies the
 *       batch into the core's queue;</li>
 *   <li>{@link #append}: what capture code calls, {@code ThreadBuffer.append(MutationEvent)}: the same hand-off
 *       with the event encoded straight into the thread's buffer;</li>
 *   <li>{@link #encodeOnly}: the encode alone into a direct buffer (no ThreadLocal, flag or JNI).</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class HandoffBenchmark {
    private RunningCore core;
    private final MutationEvent event = new MutationEvent();
    private PreEncoded encoded;
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

    @Setup(Level.Trial)
    public void start() throws IOException {
        core = new RunningCore();
        fill(event, core);
        encoded = new PreEncoded(event);
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        core.close();
    }

    @Benchmark
    public void handoffEncoded() {
        core.buffers.current().append(encoded);
    }

    @Benchmark
    public void append() {
        core.buffers.current().append(event);
    }

    @Benchmark
    public int encodeOnly() {
        return EventEncoder.write(scratch, WireFormat.BATCH_HEADER_BYTES, event);
    }

    /** A record encoded once; appending it copies its bytes. */
    static final class PreEncoded implements WireRecord {
        private final byte[] bytes;

        PreEncoded(MutationEvent e) {
            ByteBuffer b = ByteBuffer.allocate(e.encodedRecordBytes()).order(ByteOrder.LITTLE_ENDIAN);
            e.writeRecord(b, 0);
            bytes = b.array();
        }

        @Override
        public int encodedRecordBytes() {
            return bytes.length;
        }

        @Override
        public int writeRecord(ByteBuffer buf, int offset) {
            buf.put(offset, bytes);
            return bytes.length;
        }
    }

    /** A coordinator_write as WriteCapture builds it for {@code INSERT INTO t (pk, ck, v) VALUES (?, ?, ?)}. */
    static void fill(MutationEvent e, RunningCore core) {
        e.clear();
        e.eventTimeMicros = EventClock.nowMicros();
        e.kind = WireFormat.KIND_COORDINATOR_WRITE;
        e.consistency = 1;
        e.node = core.strings.idOf("127.0.0.1");
        e.coordinator = e.node;
        e.keyspace = core.strings.idOf("cdflow_bench");
        e.table = core.strings.idOf("events");
        e.user = core.strings.idOf("cassandra");
        e.clientAddress = core.strings.idOf("127.0.0.1:50412");
        e.driverName = core.strings.idOf("Apache Cassandra Java Driver");
        e.driverVersion = core.strings.idOf("4.19.0");
        e.statementType = core.strings.idOf("INSERT");
        e.token = -4_069_959_284_402_364_209L;
        e.latencyMicros = 180;
        e.bytes = 143;
        e.rows = 1;
        e.cells = 1;
        e.replicas = 1;
        e.setKey(ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 0, 0, 0x30, 0x39}));
        e.extension.str(FieldIds.SESSION_ID, core.strings.idOf("6f1c2a9e0b3d4c57"));
        e.extension.i64(FieldIds.PARTITION_TOMBSTONES, 0);
        e.extension.i64(FieldIds.ROW_TOMBSTONES, 0);
        e.extension.i64(FieldIds.RANGE_TOMBSTONES, 0);
        e.extension.i64(FieldIds.CELL_TOMBSTONES, 0);
        e.extension.i64(FieldIds.TTL_ROWS, 0);
        e.extension.i64(FieldIds.WRITE_TIMESTAMP, 1_764_000_000_000_000L);
    }
}
