package io.cdflow.agent.boot;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version of the Cassandra on the class path, read from the resource {@value #RESOURCE} that every
 * cassandra-all jar carries ({@code CassandraVersion=4.1.10}): no Cassandra class is loaded to find it.
 */
public final class CassandraRelease {
    public static final String RESOURCE = "org/apache/cassandra/config/version.properties";

    /** The full version, e.g. "4.1.10" or "5.0.9". */
    public final String version;
    /** Major.minor, e.g. "4.1". */
    public final String series;

    CassandraRelease(String version) {
        this.version = version;
        this.series = seriesOf(version);
    }

    /** Reads the resource through {@code loader}; null when the resource is absent. */
    public static CassandraRelease find(ClassLoader loader) throws IOException {
        InputStream in = loader == null ? ClassLoader.getSystemResourceAsStream(RESOURCE) : loader.getResourceAsStream(RESOURCE);
        if (in == null) {
            return null;
        }
        Properties p = new Properties();
        try {
            p.load(in);
        } finally {
            in.close();
        }
        String version = p.getProperty("CassandraVersion");
        if (version == null || version.trim().isEmpty()) {
            throw new IOException(RESOURCE + " has no CassandraVersion");
        }
        return new CassandraRelease(version.trim());
    }

    /** "4.1.10" → "4.1", "5.0-beta1" → "5.0"; the version itself when it has no two numeric parts. */
    static String seriesOf(String version) {
        String[] parts = version.split("[.\\-]");
        if (parts.length >= 2 && isNumber(parts[0]) && isNumber(parts[1])) {
            return parts[0] + "." + parts[1];
        }
        return version;
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return version;
    }
}
