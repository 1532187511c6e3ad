// Prints the ConfigDef of one Kafka version, for checking kkc's catalog against it: every key of
// ProducerConfig, ConsumerConfig, AdminClientConfig, StreamsConfig and of the broker's topic configs
// (LogConfig: the storage module's from 3.5, the Scala broker's kafka.log.LogConfig before), with its
// type, default and validator as ConfigDef prints them. Run once per version with that version's jars.
//
// Output: one JSON object per line: {"section", "name", "type", "default", "validator",
// "validator_class", "deprecated", "internal", "ignores_case", "list_rejects_duplicates",
// "list_rejects_empty_element", "list_accepts_empty"}.
// - validator_class tells ConfigDef's own validators from a class's hand-written one (whose toString
//   may not say everything it checks) and from a lambda (whose toString says nothing).
// - deprecated: ConfigDef has no such flag, but the public String constants that name a key carry
//   @Deprecated (runtime retention) when the key is deprecated. true when every constant naming the
//   key is @Deprecated, false when one is not, null when no constant names it (the key is spelled out
//   only in the define call). The section's own class (ProducerConfig ...) is asked first; the shared
//   ones (CommonClientConfigs, SslConfigs, SaslConfigs; TopicConfig, LogConfig, QuotaConfig) for the
//   keys it has no constant of.
// - ignores_case and the list_* flags: what the validator does with a few
//   probe values, where its toString does not say (see ignoresCase and print).

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigDef;

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
        Map<String, ConfigDef.ConfigKey> keys;
        Set<String> visible = null;
        try {
            Class<?> logConfig = Class.forName("org.apache.kafka.storage.internals.log.LogConfig");
            @SuppressWarnings("unchecked")
            Map<String, ConfigDef.ConfigKey> found =
                    (Map<String, ConfigDef.ConfigKey>) logConfig.getMethod("configKeys").invoke(null);
            keys = found;
            try {
                Method names = logConfig.getMethod("nonInternalConfigNames");
                @SuppressWarnings("unchecked")
                List<String> list = (List<String>) names.invoke(null);
                visible = new HashSet<>(list);
            } catch (NoSuchMethodException e) {
                // older versions: every key counts
            }
        } catch (ClassNotFoundException e) {
            // 3.0-3.4: the topic ConfigDef is the broker's Scala object kafka.log.LogConfig (kafka_2.13).
            Class<?> scala = Class.forName("kafka.log.LogConfig$");
            Object module = scala.getField("MODULE$").get(null);
            keys = ((ConfigDef) scala.getMethod("configDefCopy").invoke(module)).configKeys();
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
        o.put("deprecated", flag(deprecated));
        o.put("internal", internal ? "true" : "false");
        o.put("ignores_case", flag(ignoresCase(key)));
        if (key.validator instanceof ConfigDef.ValidList) {
            // What a ValidList's toString leaves out (KIP-1161, 4.2+): whether it rejects duplicates
            // (then ConfigDef.parseValue drops them first, with a WARN) and empty elements, and whether
            // an empty list passes.
            String element = firstValue(key.validator.toString());
            String sample = element == null ? "kkc-probe" : element;
            o.put("list_rejects_duplicates", flag(!accepts(key, List.of(sample, sample))));
            o.put("list_rejects_empty_element", flag(!accepts(key, List.of(sample, ""))));
            o.put("list_accepts_empty", flag(accepts(key, List.of())));
        }
        System.out.println(Json.object(o));
    }

    private static final Pattern VALUE_SET = Pattern.compile("(?:\\(case insensitive\\) )?\\[(.*)\\]");

    /** The first value with letters that a "[a, b, c]" toString lists, or null. */
    private static String firstValue(String description) {
        Matcher m = VALUE_SET.matcher(description);
        if (!m.matches() || m.group(1).isEmpty()) {
            return null;
        }
        for (String value : m.group(1).split(", ")) {
            if (!value.equals("null") && !value.toUpperCase(Locale.ROOT).equals(value.toLowerCase(Locale.ROOT))) {
                return value;
            }
        }
        return null;
    }

    /**
     * For a STRING key whose validator lists its values ("[a, b]"): does it accept a listed value in
     * another case? A hand-written validator may ignore case without its toString saying so. null
     * when that cannot be asked (no such validator, no value with letters).
     */
    private static Boolean ignoresCase(ConfigDef.ConfigKey key) {
        if (key.type != ConfigDef.Type.STRING || key.validator == null) {
            return null;
        }
        String value = firstValue(key.validator.toString());
        if (value == null) {
            return null;
        }
        String upper = value.toUpperCase(Locale.ROOT);
        return accepts(key, upper.equals(value) ? value.toLowerCase(Locale.ROOT) : upper);
    }

    private static boolean accepts(ConfigDef.ConfigKey key, Object value) {
        try {
            key.validator.ensureValid(key.name, value);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
