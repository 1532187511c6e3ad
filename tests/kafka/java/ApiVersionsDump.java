// Prints, for one Kafka version, the highest stable version of every API a broker listener serves:
// what a broker of that release answers to ApiVersions (unstable versions are off on a production
// broker). kkc reads the release of a live cluster from these (compiler/data/kafka-api-versions.json,
// built by tools/build_api_versions.py). Run once per version with that version's kafka-clients jar.
//
// Output: one JSON object per line: {"id", "name", "max"}; an API with no stable version yet is left out.
// Reflection keeps it independent of the API's shape, which changed across 3.0-4.3.

import java.lang.reflect.Method;
import java.util.Collection;

public class ApiVersionsDump {
    public static void main(String[] args) throws Exception {
        Class<?> keys = Class.forName("org.apache.kafka.common.protocol.ApiKeys");
        @SuppressWarnings({"unchecked", "rawtypes"})
        Object broker = Enum.valueOf(
                (Class) Class.forName("org.apache.kafka.common.message.ApiMessageType$ListenerType"), "BROKER");
        for (Object key : keys.getEnumConstants()) {
            short id = keys.getField("id").getShort(key);
            String name = (String) keys.getField("name").get(key);
            Object type = keys.getField("messageType").get(key);
            Collection<?> listeners = (Collection<?>) type.getClass().getMethod("listeners").invoke(type);
            if (!listeners.contains(broker)) {
                continue;
            }
            short max;
            try {
                Method highest = type.getClass().getMethod("highestSupportedVersion", boolean.class);
                max = (short) highest.invoke(type, false);
            } catch (NoSuchMethodException e) {
                max = (short) type.getClass().getMethod("highestSupportedVersion").invoke(type);
            }
            if (max < 0) {
                continue;
            }
            System.out.println("{\"id\":" + id + ",\"name\":\"" + name + "\",\"max\":" + max + "}");
        }
    }
}
