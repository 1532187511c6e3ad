// Asks a real broker about topics: CreateTopics with validate_only (the broker's full validation:
// name, partitions, replication factor against the live broker count, every config name and
// value; nothing is created), and DescribeTopics + DescribeConfigs of an existing topic.
//
// Usage: TopicJudge <bootstrap> ; jobs on stdin, one per line, TAB-separated:
//   validate <id> <topic> <partitions> <replication factor> <path of a .properties of topic configs>
//   describe <id> <topic>
// Output: one JSON object per job: {"id", "status": "ok"|"error"|"fail", "exception", "message"}
// for validate; for describe also "partitions", "replication_factor" and "explicit" (the configs
// whose source is DYNAMIC_TOPIC_CONFIG: the ones set on the topic itself).

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.utils.Utils;

public final class TopicJudge {
    private TopicJudge() {}

    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try (Admin admin = Admin.create(props)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isBlank()) {
                    out.println(run(admin, line.split("\t", -1)));
                    out.flush();
                }
            }
        }
    }

    private static String run(Admin admin, String[] f) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("id", Json.q(f.length > 1 ? f[1] : ""));
        try {
            if (f[0].equals("validate") && f.length == 6) {
                Map<String, String> configs = new TreeMap<>();
                Properties file = Utils.loadProps(f[5]);
                for (String name : file.stringPropertyNames()) {
                    configs.put(name, file.getProperty(name));
                }
                NewTopic topic = new NewTopic(f[2], Integer.parseInt(f[3]), Short.parseShort(f[4])).configs(configs);
                admin.createTopics(Collections.singleton(topic), new CreateTopicsOptions().validateOnly(true))
                        .all().get(60, TimeUnit.SECONDS);
                o.put("status", Json.q("ok"));
            } else if (f[0].equals("describe") && f.length == 3) {
                describe(admin, f[2], o);
            } else {
                o.put("status", Json.q("fail"));
                o.put("message", Json.q("malformed job line: " + String.join(" | ", f)));
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            o.put("status", Json.q("error"));
            o.put("exception", Json.q(cause.getClass().getName()));
            o.put("message", Json.q(cause.getMessage()));
        } catch (Exception e) {
            o.put("status", Json.q("fail"));
            o.put("exception", Json.q(e.getClass().getName()));
            o.put("message", Json.q(e.getMessage()));
        }
        return Json.object(o);
    }

    private static void describe(Admin admin, String name, Map<String, String> o) throws Exception {
        TopicDescription description =
                admin.describeTopics(Collections.singleton(name)).allTopicNames().get(60, TimeUnit.SECONDS).get(name);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, name);
        Config config = admin.describeConfigs(Collections.singleton(resource)).all().get(60, TimeUnit.SECONDS)
                .get(resource);
        Map<String, String> explicit = new TreeMap<>();
        for (ConfigEntry entry : config.entries()) {
            if (entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
                explicit.put(entry.name(), Json.q(entry.value()));
            }
        }
        o.put("status", Json.q("ok"));
        o.put("partitions", Integer.toString(description.partitions().size()));
        o.put("replication_factor", Integer.toString(description.partitions().get(0).replicas().size()));
        o.put("explicit", Json.object(explicit));
    }
}
