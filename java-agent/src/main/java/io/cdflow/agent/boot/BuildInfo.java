package io.cdflow.agent.boot;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

/**
 * What this agent jar was built for, from the resource {@value #RESOURCE} that Maven writes from pom.xml: the
 * Java release its classes (outside this package) were compiled for, and the Cassandra series it supports.
 */
public final class BuildInfo {
    static final String RESOURCE = "io/cdflow/agent/boot/agent-build.properties";

    /** The agent's classes need at least this Java feature release. */
    public final int javaRelease;
    /** Supported Cassandra series, e.g. ["4.1", "5.0"]. */
    public final List<String> cassandraSeries;

    BuildInfo(int javaRelease, List<String> cassandraSeries) {
        this.javaRelease = javaRelease;
        this.cassandraSeries = Collections.unmodifiableList(new ArrayList<String>(cassandraSeries));
    }

    /** Reads the resource next to this class; throws IllegalStateException naming what is missing or bad. */
    public static BuildInfo load() {
        Properties p = new Properties();
        InputStream in = BuildInfo.class.getClassLoader().getResourceAsStream(RESOURCE);
        if (in == null) {
            throw new IllegalStateException("the agent jar has no " + RESOURCE);
        }
        try {
            try {
                p.load(in);
            } finally {
                in.close();
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not read " + RESOURCE + ": " + e);
        }
        return parse(p);
    }

    static BuildInfo parse(Properties p) {
        String release = p.getProperty("java.release", "").trim();
        String series = p.getProperty("cassandra.series", "").trim();
        int javaRelease;
        try {
            javaRelease = Integer.parseInt(release);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(RESOURCE + ": java.release: expected an integer, found '" + release + "'");
        }
        List<String> list = new ArrayList<String>();
        for (String s : series.split(",")) {
            if (!s.trim().isEmpty()) {
                list.add(s.trim());
            }
        }
        if (list.isEmpty()) {
            throw new IllegalStateException(RESOURCE + ": cassandra.series is empty");
        }
        return new BuildInfo(javaRelease, list);
    }
}
