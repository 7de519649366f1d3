package io.cdflow.agent.capture;

import java.util.function.Function;
import org.apache.cassandra.locator.InetAddressAndPort;
import org.apache.cassandra.utils.FBUtilities;

/**
 * String ids of node addresses: the host address without port ("127.0.0.1"), the same text for this node and
 * for coordinators seen from replicas, so the two sides of a write join on it.
 */
final class NodeAddress {
    private static final Function<InetAddressAndPort, String> HOST_TEXT = a -> a.getAddress().getHostAddress();

    private NodeAddress() {
    }

    /** Id of this node's broadcast address, computed once (retried while the core refuses the definition). */
    static int nodeId(CaptureRuntime rt) {
        int id = rt.nodeId;
        if (id == 0) {
            id = rt.strings.idOf(FBUtilities.getBroadcastAddressAndPort(), HOST_TEXT);
            rt.nodeId = id;
        }
        return id;
    }

    /** Id of another node's address (0 for null). */
    static int addressId(CaptureRuntime rt, InetAddressAndPort address) {
        return rt.strings.idOf(address, HOST_TEXT);
    }
}
