package io.cdflow.bench;

import org.HdrHistogram.Histogram;

import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/** The one JSON line the load generator prints: what was asked, what the measured phase did. */
final class ResultLine {
    private ResultLine() {
    }

    static String of(Options options, Phase warmup, Phase measured) {
        Histogram latency = measured.latencies();
        double seconds = measured.seconds();
        StringJoiner json = new StringJoiner(", ", "{", "}");
        json.add(field("workload", quote(options.workload())));
        json.add(field("concurrency", options.concurrency()));
        json.add(field("rate_limit", number(options.rate())));
        json.add(field("warmup_ops", warmup.answered()));
        json.add(field("warmup_errors", warmup.errors()));
        json.add(field("measured_from_ms", measured.startEpochMillis()));
        json.add(field("measured_to_ms", measured.startEpochMillis() + Math.round(seconds * 1000)));
        json.add(field("seconds", number(seconds)));
        json.add(field("ops", measured.ok()));
        json.add(field("deletes", measured.deletes()));
        json.add(field("ops_per_s", number(seconds > 0 ? measured.ok() / seconds : 0)));
        json.add(field("errors", measured.errors()));
        json.add(field("error_kinds", kinds(measured.errorKinds())));
        json.add(field("first_error", measured.firstError() == null ? "null" : quote(measured.firstError())));
        json.add(field("mean_us", number(latency.getMean() / 1000)));
        json.add(field("p50_us", micros(latency, 50)));
        json.add(field("p90_us", micros(latency, 90)));
        json.add(field("p99_us", micros(latency, 99)));
        json.add(field("p999_us", micros(latency, 99.9)));
        json.add(field("max_us", number(latency.getMaxValue() / 1000.0)));
        return json.toString();
    }

    private static String micros(Histogram latency, double percentile) {
        return number(latency.getValueAtPercentile(percentile) / 1000.0);
    }

    private static String kinds(Map<String, Long> kinds) {
        StringJoiner json = new StringJoiner(", ", "{", "}");
        kinds.forEach((kind, count) -> json.add(field(kind, count)));
        return json.toString();
    }

    private static String field(String name, Object value) {
        return quote(name) + ": " + value;
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
