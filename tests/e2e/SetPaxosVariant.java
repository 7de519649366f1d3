import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Switches a running node's Paxos variant over JMX (StorageProxy's PaxosVariant attribute, what an operator does
 * with paxos_variant in cassandra.yaml), then prints the variant now in effect.
 * Usage: java SetPaxosVariant.java HOST JMX_PORT v1|v2
 */
public final class SetPaxosVariant {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: SetPaxosVariant HOST JMX_PORT v1|v2");
        }
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://" + args[0] + ":" + args[1] + "/jmxrmi");
        try (JMXConnector connector = JMXConnectorFactory.connect(url)) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            ObjectName proxy = new ObjectName("org.apache.cassandra.db:type=StorageProxy");
            server.setAttribute(proxy, new Attribute("PaxosVariant", args[2]));
            System.out.println(server.getAttribute(proxy, "PaxosVariant"));
        }
    }
}
