package io.cdflow.agent.instrument;

import org.apache.cassandra.dht.Token;
import org.apache.cassandra.utils.streamhist.TombstoneHistogram;

/**
 * Advice-shaped classes (compiled against 5.0) that reach what 4.1 lacks, through an agent helper method: the
 * two reference shapes that broke the agent on 4.1 before it was fixed.
 */
final class LegacyProbes {
    private LegacyProbes() {
    }

    static final class TokenProbe {
        public static long enter(Object token) {
            return Helper.longValue((Token) token);
        }
    }

    static final class HistogramProbe {
        public static long enter(Object histogram) {
            long[] sum = new long[1];
            ((TombstoneHistogram) histogram).forEach((point, value) -> sum[0] += value);
            return sum[0];
        }
    }

    static final class Helper {
        static long longValue(Token t) {
            return t.getLongValue();
        }
    }
}
