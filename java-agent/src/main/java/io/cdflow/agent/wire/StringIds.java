package io.cdflow.agent.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Interns strings (or objects that stand for a string, e.g. an {@code InetSocketAddress}) to the u32 string ids
 * of the wire format.
 *
 * <p>Invariants:
 * <ul>
 *   <li>ids start at 1 and are never reused; 0 means absent ({@code null} keys and texts map to 0);</li>
 *   <li>a new id is announced to the core through the {@link Definer} (one STRING_DEF batch, synchronously) and
 *       only then published in the lookup map, so no event can carry an id the core does not know;</li>
 *   <li>one id per distinct text: different keys with the same text share it;</li>
 *   <li>at most {@code capacity} distinct texts get their own id; later ones share the id of {@value #OTHER};</li>
 *   <li>a hit costs one {@link ConcurrentHashMap#get} and allocates nothing; misses take a lock (cold path).</li>
 * </ul>
 */
public final class StringIds {
    /** Announces STRING_DEF batches; returns {@code null} on success, else an error (e.g. NativeCore::define). */
    @FunctionalInterface
    public interface Definer {
        String define(ByteBuffer batch, int length);
    }

    /** The text every string past the capacity is reported as. */
    public static final String OTHER = "(other)";
    /** Default number of distinct texts with their own id. */
    public static final int DEFAULT_CAPACITY = 100_000;

    private static final Function<Object, String> TO_STRING = Object::toString;

    private final ConcurrentHashMap<Object, Integer> idsByKey = new ConcurrentHashMap<>();
    private final Definer definer;
    private final int capacity;
    private final int maxKeys;
    private final AtomicLong defineFailures = new AtomicLong();

    /** Set once the table is full: unknown keys then resolve to {@link #otherId} without locking. */
    private volatile boolean full;
    private volatile int otherId;
    private volatile String lastDefineError;

    // guarded by this
    private final Map<String, Integer> idsByText = new HashMap<>();
    private final ByteBuffer defineBuffer;
    private int nextId = 1;

    public StringIds(Definer definer) {
        this(definer, DEFAULT_CAPACITY);
    }

    public StringIds(Definer definer, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
        }
        this.definer = definer;
        this.capacity = capacity;
        this.maxKeys = capacity * 2;
        this.defineBuffer = ByteBuffer.allocateDirect(
                WireFormat.BATCH_HEADER_BYTES + BatchEncoder.stringDefRecordBytes(WireFormat.MAX_STRING_BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Id of {@code text} (0 for null). */
    public int idOf(String text) {
        return idOf(text, TO_STRING);
    }

    /**
     * Id of the text {@code textOf} gives for {@code key} (0 for a null key or text). {@code textOf} runs only the
     * first time a key is seen; pass a non-capturing lambda or method reference so the call allocates nothing.
     */
    public <K> int idOf(K key, Function<? super K, String> textOf) {
        if (key == null) {
            return WireFormat.NO_STRING;
        }
        Integer id = idsByKey.get(key);
        if (id != null) {
            return id;
        }
        if (full) {
            return otherId;
        }
        return intern(key, textOf);
    }

    /** Number of ids handed out so far (the "(other)" id included). */
    public synchronized int size() {
        return nextId - 1;
    }

    /** Number of times the core refused a definition. */
    public long defineFailures() {
        return defineFailures.get();
    }

    /** The last error the core returned from a definition, or null. */
    public String lastDefineError() {
        return lastDefineError;
    }

    private synchronized <K> int intern(K key, Function<? super K, String> textOf) {
        Integer known = idsByKey.get(key);
        if (known != null) {
            return known;
        }
        if (full) {
            return otherId;
        }
        String text = textOf.apply(key);
        int id = text == null ? WireFormat.NO_STRING : idForText(text);
        idsByKey.put(key, id);
        if (idsByKey.size() >= maxKeys) {
            markFull();
        }
        return id;
    }

    /** Id for a text, defining it if new. Caller holds the lock. */
    private int idForText(String text) {
        String truncated = truncateUtf8(text);
        Integer id = idsByText.get(truncated);
        if (id != null) {
            return id;
        }
        if (nextId > capacity) {
            markFull();
            return otherId;
        }
        int newId = define(truncated);
        if (newId != WireFormat.NO_STRING) {
            idsByText.put(truncated, newId);
        }
        return newId;
    }

    /** Switches to "full" mode, defining the "(other)" id once. Caller holds the lock. */
    private void markFull() {
        if (otherId == WireFormat.NO_STRING) {
            Integer existing = idsByText.get(OTHER);
            int id = existing != null ? existing : define(OTHER);
            if (id != WireFormat.NO_STRING) {
                idsByText.put(OTHER, id);
            }
            otherId = id;
        }
        full = true;
    }

    /** Announces the next id for {@code text}; returns it, or 0 when the core refused it. Caller holds the lock. */
    private int define(String text) {
        int id = nextId;
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        BatchEncoder.writeHeader(defineBuffer, 1);
        int length = WireFormat.BATCH_HEADER_BYTES + BatchEncoder.writeStringDef(defineBuffer, WireFormat.BATCH_HEADER_BYTES, id, utf8);
        String error;
        try {
            error = definer.define(defineBuffer, length);
        } catch (RuntimeException | LinkageError e) {
            error = e.toString();
        }
        if (error != null) {
            defineFailures.incrementAndGet();
            lastDefineError = error;
            return WireFormat.NO_STRING;
        }
        nextId = id + 1;
        return id;
    }

    /** {@code text} cut to at most {@link WireFormat#MAX_STRING_BYTES} UTF-8 bytes, on a code point boundary. */
    static String truncateUtf8(String text) {
        if (text.length() * 3 <= WireFormat.MAX_STRING_BYTES) {
            return text;
        }
        int bytes = 0;
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + n > WireFormat.MAX_STRING_BYTES) {
                return text.substring(0, i);
            }
            bytes += n;
            i += Character.charCount(cp);
        }
        return text;
    }
}
