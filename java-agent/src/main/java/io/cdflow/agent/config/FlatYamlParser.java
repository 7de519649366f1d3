package io.cdflow.agent.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A deliberately tiny, strict reader for a FLAT yaml file of {@code key: value} lines.
 *
 * <p>Accepted: blank lines, comment lines ({@code # ...}), {@code key: value} with the key at column 0, plain
 * values (a trailing {@code  # comment} is removed), {@code "double"} (escapes {@code \"} and {@code \\}) and
 * {@code 'single'} (escape {@code ''}) quoted values. Everything else - indentation (nesting), keys without a
 * value, lists, flow collections, anchors, block scalars, documents markers, duplicate keys - is an error
 * naming the file and line. Keys keep their file order.
 */
public final class FlatYamlParser {
    private static final Pattern LINE = Pattern.compile("([A-Za-z_][A-Za-z0-9_.\\-]*)[ \\t]*:(.*)");

    private FlatYamlParser() {
    }

    /** Reads and parses {@code file}. */
    public static Map<String, ConfigValue> parse(Path file) throws ConfigException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not valid UTF-8");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read config file: " + e);
        }
        return parse(file.toString(), text);
    }

    /** Parses {@code text}; {@code name} is used in error messages. */
    public static Map<String, ConfigValue> parse(String name, String text) throws ConfigException {
        Map<String, ConfigValue> values = new LinkedHashMap<>();
        List<String> lines = text.lines().collect(Collectors.toList());
        for (int i = 0; i < lines.size(); i++) {
            String where = name + ":" + (i + 1);
            String line = lines.get(i);
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {
                throw new ConfigException(where + ": indented line: nested yaml is not supported (only flat key: value lines)");
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new ConfigException(where + ": expected 'key: value', got '" + abbreviate(line) + "'");
            }
            String key = m.group(1);
            String rest = m.group(2);
            if (!rest.isEmpty() && rest.charAt(0) != ' ' && rest.charAt(0) != '\t') {
                throw new ConfigException(where + ": expected a space after '" + key + ":'");
            }
            String value = parseValue(where, key, rest.strip());
            if (values.containsKey(key)) {
                throw new ConfigException(where + ": duplicate key '" + key + "' (first set at "
                        + values.get(key).origin + ")");
            }
            values.put(key, new ConfigValue(value, where));
        }
        return values;
    }

    private static String parseValue(String where, String key, String raw) throws ConfigException {
        if (raw.isEmpty() || raw.startsWith("#")) {
            throw new ConfigException(where + ": '" + key + "' has no value (nested yaml is not supported)");
        }
        char first = raw.charAt(0);
        if (first == '"') {
            return doubleQuoted(where, raw);
        }
        if (first == '\'') {
            return singleQuoted(where, raw);
        }
        if ("[{&*!|>%@`".indexOf(first) >= 0 || raw.equals("-") || raw.startsWith("- ")) {
            throw new ConfigException(where + ": value of '" + key + "' looks like a yaml "
                    + "collection or special form; only plain or quoted scalars are supported");
        }
        String value = stripComment(raw);
        if (value.isEmpty()) {
            throw new ConfigException(where + ": '" + key + "' has no value");
        }
        return value;
    }

    private static String stripComment(String raw) {
        for (int i = 1; i < raw.length(); i++) {
            if (raw.charAt(i) == '#' && Character.isWhitespace(raw.charAt(i - 1))) {
                return raw.substring(0, i).strip();
            }
        }
        return raw;
    }

    private static String doubleQuoted(String where, String raw) throws ConfigException {
        StringBuilder sb = new StringBuilder();
        int i = 1;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c == '"') {
                requireNothingAfter(where, raw.substring(i + 1));
                return sb.toString();
            }
            if (c == '\\') {
                if (i + 1 >= raw.length() || (raw.charAt(i + 1) != '"' && raw.charAt(i + 1) != '\\')) {
                    throw new ConfigException(where + ": unsupported escape in double-quoted value (only \\\" and \\\\)");
                }
                sb.append(raw.charAt(i + 1));
                i += 2;
                continue;
            }
            sb.append(c);
            i++;
        }
        throw new ConfigException(where + ": unterminated double-quoted value");
    }

    private static String singleQuoted(String where, String raw) throws ConfigException {
        StringBuilder sb = new StringBuilder();
        int i = 1;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c == '\'') {
                if (i + 1 < raw.length() && raw.charAt(i + 1) == '\'') {
                    sb.append('\'');
                    i += 2;
                    continue;
                }
                requireNothingAfter(where, raw.substring(i + 1));
                return sb.toString();
            }
            sb.append(c);
            i++;
        }
        throw new ConfigException(where + ": unterminated single-quoted value");
    }

    private static void requireNothingAfter(String where, String after) throws ConfigException {
        String rest = after.strip();
        if (!rest.isEmpty() && !rest.startsWith("#")) {
            throw new ConfigException(where + ": unexpected text after the quoted value: '" + abbreviate(rest) + "'");
        }
        if (!rest.isEmpty() && !after.isEmpty() && !Character.isWhitespace(after.charAt(0))) {
            throw new ConfigException(where + ": a comment must be separated from the value by a space");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
