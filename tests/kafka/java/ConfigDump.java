// Prints the ConfigDef of one Kafka version, for checking kkc's catalog against it: every key of
// ProducerConfig, ConsumerConfig, AdminClientConfig, StreamsConfig and of the broker's topic
// configs (LogConfig from 3.5; before, the names in TopicConfig), with its type, default and
// validator as ConfigDef prints them. Run once per version with that version's jars only.
//
// Output: one JSON object per line: {"section", "name", "type", "default", "validator", "internal"}.

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.TopicConfig;

public final class ConfigDump {
    private ConfigDump() {}

    public static void main(String[] args) throws Exception {
        dump("producer", "org.apache.kafka.clients.producer.ProducerConfig");
        dump("consumer", "org.apache.kafka.clients.consumer.ConsumerConfig");
        dump("admin", "org.apache.kafka.clients.admin.AdminClientConfig");
        dump("streams", "org.apache.kafka.streams.StreamsConfig");
        topics();
    }

    private static void dump(String section, String className) throws Exception {
        Class<?> cls = Class.forName(className);
        ConfigDef def = (ConfigDef) cls.getMethod("configDef").invoke(null);
        for (ConfigDef.ConfigKey key : new TreeMap<>(def.configKeys()).values()) {
            print(section, key, key.internalConfig);
        }
    }

    private static void topics() throws Exception {
        Class<?> logConfig;
        try {
            logConfig = Class.forName("org.apache.kafka.storage.internals.log.LogConfig");
        } catch (ClassNotFoundException e) {
            // 3.0-3.4: the topic ConfigDef lived in the broker's Scala code; TopicConfig names the keys.
            for (Field field : TopicConfig.class.getFields()) {
                if (Modifier.isStatic(field.getModifiers()) && field.getName().endsWith("_CONFIG")) {
                    Map<String, String> o = new LinkedHashMap<>();
                    o.put("section", Json.q("topic"));
                    o.put("name", Json.q((String) field.get(null)));
                    System.out.println(Json.object(o));
                }
            }
            return;
        }
        @SuppressWarnings("unchecked")
        Map<String, ConfigDef.ConfigKey> keys =
                (Map<String, ConfigDef.ConfigKey>) logConfig.getMethod("configKeys").invoke(null);
        Set<String> visible = null;
        try {
            Method names = logConfig.getMethod("nonInternalConfigNames");
            @SuppressWarnings("unchecked")
            java.util.List<String> list = (java.util.List<String>) names.invoke(null);
            visible = new java.util.HashSet<>(list);
        } catch (NoSuchMethodException e) {
            // older versions: every key counts
        }
        for (ConfigDef.ConfigKey key : new TreeMap<>(keys).values()) {
            boolean internal = key.internalConfig || (visible != null && !visible.contains(key.name));
            print("topic", key, internal);
        }
    }

    private static void print(String section, ConfigDef.ConfigKey key, boolean internal) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("section", Json.q(section));
        o.put("name", Json.q(key.name));
        o.put("type", Json.q(key.type.toString().toLowerCase()));
        String def = key.hasDefault() ? ConfigDef.convertToString(key.defaultValue, key.type) : null;
        o.put("default", key.hasDefault() ? Json.q(def) : "\"(required)\"");
        o.put("validator", Json.q(key.validator == null ? null : key.validator.toString()));
        o.put("internal", internal ? "true" : "false");
        System.out.println(Json.object(o));
    }
}
