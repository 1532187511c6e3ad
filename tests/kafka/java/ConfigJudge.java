// Asks the real Kafka Java client whether client .properties files are accepted: the config
// classes (ProducerConfig, ConsumerConfig, AdminClientConfig, StreamsConfig) and the real
// constructors (KafkaProducer, KafkaConsumer, Admin.create, KafkaStreams), which run the
// cross-field checks the config classes leave out. Driven by tests/kafka/harness.py; one JVM
// run handles many jobs.
//
// Input on stdin, one job per line, fields separated by TAB:
//   check <id> <role> <path>       construct <Role>Config from the file at <path>
//   construct <id> <role> <path>   construct the client itself, then close it
//   names <id> <role>              list the keys the role's config class knows
// with <role> one of producer, consumer, admin, streams. Blank lines are ignored.
//
// Output on stdout, one JSON object per job, in input order:
//   {"id", "status": "ok"|"error"|"fail", "exception", "message", "causes": [...],
//    "unknown": [...], "injected": [...]}   or   {"id", "status": "ok", "names": [...]}
// "error" means Kafka rejected the configuration; "fail" that the job itself could not run.
//
// Injected settings (listed in "injected"; a key the file sets is never overridden): what an
// application supplies in code, so that only the file's content is judged. Serializers and
// deserializers (ByteArray); bootstrap.servers=127.0.0.1:9 where the file has none (a required
// key from kafka-clients 4.2, and Streams always); for Streams application.id (Kestra sets it)
// and, for construct, state.dir in a temporary directory. Nothing is sent: the address is a
// closed local port, and every client is closed at once.

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

public final class ConfigJudge {
    private static final String DUMMY_BOOTSTRAP = "127.0.0.1:9";
    private static final String[] STREAMS_PREFIXES = {
        "producer.", "main.consumer.", "restore.consumer.", "global.consumer.", "consumer.", "admin.", "topic.",
        "client.tag."
    };

    private ConfigJudge() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (!line.isBlank()) {
                out.println(runJob(line.split("\t", -1)));
                out.flush();
            }
        }
    }

    private static String runJob(String[] f) {
        String id = f.length > 1 ? f[1] : "";
        try {
            if (f[0].equals("names") && f.length == 3) {
                Map<String, String> o = new LinkedHashMap<>();
                o.put("id", Json.q(id));
                o.put("status", Json.q("ok"));
                o.put("names", Json.list(new TreeSet<>(configNames(f[2]))));
                return Json.object(o);
            }
            if ((f[0].equals("check") || f[0].equals("construct")) && f.length == 4) {
                return judge(id, f[2], f[3], f[0].equals("construct"));
            }
            return fail(id, "IllegalArgumentException", "malformed job line: " + String.join(" | ", f));
        } catch (IllegalArgumentException e) {
            return fail(id, e.getClass().getName(), e.getMessage());
        }
    }

    private static Set<String> configNames(String role) {
        switch (role) {
            case "producer": return ProducerConfig.configNames();
            case "consumer": return ConsumerConfig.configNames();
            case "admin": return AdminClientConfig.configNames();
            case "streams": return StreamsConfig.configDef().names();
            default: throw new IllegalArgumentException("unknown role: " + role);
        }
    }

    /** A key no config class of the role knows (for Streams: after its client prefixes, by any client). */
    private static boolean unknown(String role, String key) {
        if (!role.equals("streams")) {
            return !configNames(role).contains(key);
        }
        String bare = key;
        for (String prefix : STREAMS_PREFIXES) {
            if (key.startsWith(prefix)) {
                bare = key.substring(prefix.length());
                if (prefix.equals("topic.") || prefix.equals("client.tag.")) {
                    return false; // topic configs are the broker's to judge; tags are free names
                }
                break;
            }
        }
        return !(StreamsConfig.configDef().names().contains(bare) || ProducerConfig.configNames().contains(bare)
                || ConsumerConfig.configNames().contains(bare) || AdminClientConfig.configNames().contains(bare));
    }

    private static String judge(String id, String role, String path, boolean construct) {
        configNames(role); // an unknown role fails the job before the file is read
        Properties props;
        try {
            props = Utils.loadProps(path); // Kafka's own loader, as its command-line tools use
        } catch (Exception e) {
            return fail(id, e.getClass().getName(), e.getMessage());
        }
        Set<String> unknown = new TreeSet<>();
        for (String key : props.stringPropertyNames()) {
            if (unknown(role, key)) {
                unknown.add(key);
            }
        }
        List<String> injected = new ArrayList<>();
        Path stateDir = null;
        if (!(role.equals("admin") && props.containsKey("bootstrap.controllers"))) { // admin: one, never both
            inject(props, injected, CommonSettings.BOOTSTRAP, DUMMY_BOOTSTRAP);
        }
        String ser = ByteArraySerializer.class.getName();
        String de = ByteArrayDeserializer.class.getName();
        if (role.equals("producer")) {
            inject(props, injected, ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ser);
            inject(props, injected, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ser);
        } else if (role.equals("consumer")) {
            inject(props, injected, ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, de);
            inject(props, injected, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, de);
        } else if (role.equals("streams")) {
            inject(props, injected, StreamsConfig.APPLICATION_ID_CONFIG, "kkc-judge");
            if (construct) {
                try {
                    stateDir = Files.createTempDirectory("kkc-judge-state");
                    props.setProperty(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
                    injected.add(StreamsConfig.STATE_DIR_CONFIG);
                } catch (Exception e) {
                    return fail(id, e.getClass().getName(), e.getMessage());
                }
            }
        }
        Map<String, String> o = new LinkedHashMap<>();
        o.put("id", Json.q(id));
        try {
            if (construct) {
                construct(role, props);
            } else {
                config(role, props);
            }
            o.put("status", Json.q("ok"));
        } catch (Throwable e) {
            // A constructor wraps what it found ("Failed to construct kafka producer", "Failed to create new
            // KafkaAdminClient"): report the cause.
            Throwable reason = e;
            while (reason.getCause() != null && reason.getCause() != reason
                    && (String.valueOf(reason.getMessage()).startsWith("Failed to construct")
                            || String.valueOf(reason.getMessage()).startsWith("Failed to create"))) {
                reason = reason.getCause();
            }
            o.put("status", Json.q("error"));
            o.put("exception", Json.q(reason.getClass().getName()));
            o.put("message", Json.q(reason.getMessage()));
            o.put("causes", Json.causes(e));
        } finally {
            removeTree(stateDir);
        }
        o.put("unknown", Json.list(unknown));
        o.put("injected", Json.list(injected));
        return Json.object(o);
    }

    private static void config(String role, Properties props) {
        switch (role) {
            case "producer": new ProducerConfig(props); break;
            case "consumer": new ConsumerConfig(props); break;
            case "admin": new AdminClientConfig(props); break;
            default: new StreamsConfig(props); break;
        }
    }

    private static void construct(String role, Properties props) {
        switch (role) {
            case "producer": // the (de)serializer classes come from the file (or the injected ByteArray ones)
                new KafkaProducer<byte[], byte[]>(props).close(Duration.ZERO);
                break;
            case "consumer":
                new KafkaConsumer<byte[], byte[]>(props).close(Duration.ZERO);
                break;
            case "admin":
                Admin.create(props).close(Duration.ZERO);
                break;
            default:
                StreamsBuilder builder = new StreamsBuilder();
                builder.stream("kkc-judge-in", Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                        .to("kkc-judge-out", Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
                new KafkaStreams(builder.build(), props).close(Duration.ZERO);
                break;
        }
    }

    /** The state directory a KafkaStreams was given (it writes its own files in it): one per judged file. */
    private static void removeTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a directory left in the temp dir is not a verdict
        }
    }

    private static void inject(Properties props, List<String> injected, String key, String value) {
        if (!props.containsKey(key)) {
            props.setProperty(key, value);
            injected.add(key);
        }
    }

    private static String fail(String id, String exception, String message) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("id", Json.q(id));
        o.put("status", Json.q("fail"));
        o.put("exception", Json.q(exception));
        o.put("message", Json.q(message));
        o.put("unknown", "[]");
        o.put("injected", "[]");
        return Json.object(o);
    }

    private static final class CommonSettings {
        static final String BOOTSTRAP = "bootstrap.servers";
    }
}
