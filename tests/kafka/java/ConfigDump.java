// Prints the ConfigDef of one Kafka version, for checking kkc's catalog against it: every key of
// ProducerConfig, ConsumerConfig, AdminClientConfig, StreamsConfig and of the broker's topic
// configs (LogConfig from 3.5; before, the names in TopicConfig), with its type, default and
// validator as ConfigDef prints them. Run once per version with that version's jars only.
//
// Output: one JSON object per line: {"section", "name", "type", "default", "validator",
// "validator_class", "documentation", "deprecated", "internal"}.
// - validator_class tells ConfigDef's own validators from a class's hand-written one (whose toString
//   may not say everything it checks) and from a lambda (whose toString says nothing).
// - deprecated: ConfigDef has no such flag, but the public String constants that name a key carry
//   @Deprecated (runtime retention) when the key is deprecated. true when every constant naming the
//   key is @Deprecated, false when one is not, null when no constant names it (the key is spelled out
//   only in the define call). The section's own class (ProducerConfig ...) is asked first; the shared
//   ones (CommonClientConfigs, SslConfigs, SaslConfigs; TopicConfig, LogConfig, QuotaConfig) for the
//   keys it has no constant of.

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.TopicConfig;

public final class ConfigDump {
    private ConfigDump() {}

    private static final String[] CLIENT_CONSTANTS = {
        "org.apache.kafka.clients.CommonClientConfigs",
        "org.apache.kafka.common.config.SslConfigs",
        "org.apache.kafka.common.config.SaslConfigs",
    };
    private static final String[] TOPIC_CONSTANTS = {
        "org.apache.kafka.common.config.TopicConfig",
        "org.apache.kafka.storage.internals.log.LogConfig",
        "org.apache.kafka.server.config.QuotaConfig",
        "org.apache.kafka.server.config.QuotaConfigs",
    };

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
        // The section's own constants decide (StreamsConfig.RETRIES_CONFIG is deprecated, the
        // producer's CommonClientConfigs.RETRIES_CONFIG is not); the shared classes name the rest.
        Map<String, Boolean> deprecated = deprecations(CLIENT_CONSTANTS);
        deprecated.putAll(deprecations(className));
        for (ConfigDef.ConfigKey key : new TreeMap<>(def.configKeys()).values()) {
            print(section, key, key.internalConfig, deprecated.get(key.name));
        }
    }

    /** Key name -> whether every public static String constant with that value is @Deprecated. */
    private static Map<String, Boolean> deprecations(String... classNames) throws IllegalAccessException {
        Map<String, Boolean> out = new HashMap<>();
        for (String className : classNames) {
            Class<?> cls;
            try {
                cls = Class.forName(className);
            } catch (ClassNotFoundException | NoClassDefFoundError e) {
                continue; // not in this version
            }
            for (Field field : cls.getFields()) {
                if (!Modifier.isStatic(field.getModifiers()) || field.getType() != String.class) {
                    continue;
                }
                String value = (String) field.get(null);
                if (value != null) {
                    boolean dep = field.isAnnotationPresent(Deprecated.class);
                    out.merge(value, dep, Boolean::logicalAnd);
                }
            }
        }
        return out;
    }

    private static void topics() throws Exception {
        Map<String, Boolean> deprecated = deprecations(TOPIC_CONSTANTS);
        Class<?> logConfig;
        try {
            logConfig = Class.forName("org.apache.kafka.storage.internals.log.LogConfig");
        } catch (ClassNotFoundException e) {
            // 3.0-3.4: the topic ConfigDef lived in the broker's Scala code; TopicConfig names the keys.
            for (Field field : TopicConfig.class.getFields()) {
                if (Modifier.isStatic(field.getModifiers()) && field.getName().endsWith("_CONFIG")) {
                    String name = (String) field.get(null);
                    Map<String, String> o = new LinkedHashMap<>();
                    o.put("section", Json.q("topic"));
                    o.put("name", Json.q(name));
                    o.put("deprecated", flag(deprecated.get(name)));
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
            print("topic", key, internal, deprecated.get(key.name));
        }
    }

    private static String flag(Boolean value) {
        return value == null ? "null" : value.toString();
    }

    private static void print(String section, ConfigDef.ConfigKey key, boolean internal, Boolean deprecated) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("section", Json.q(section));
        o.put("name", Json.q(key.name));
        o.put("type", Json.q(key.type.toString().toLowerCase()));
        String def = key.hasDefault() ? ConfigDef.convertToString(key.defaultValue, key.type) : null;
        o.put("default", key.hasDefault() ? Json.q(def) : "\"(required)\"");
        o.put("validator", Json.q(key.validator == null ? null : key.validator.toString()));
        o.put("validator_class", Json.q(key.validator == null ? null : key.validator.getClass().getName()));
        o.put("documentation", Json.q(key.documentation));
        o.put("deprecated", flag(deprecated));
        o.put("internal", internal ? "true" : "false");
        System.out.println(Json.object(o));
    }
}
