package io.cdflow.agent.instrument;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.util.List;

/**
 * Every hook point of the agent in Cassandra 5.0 (signatures checked against cassandra-all 5.0.9 by HooksTest).
 * Types and arguments are matched by name: nothing here loads a Cassandra class.
 */
public final class Hooks {
    public static final String STORAGE_PROXY = "org.apache.cassandra.service.StorageProxy";
    public static final String MUTATION_VERB_HANDLER = "org.apache.cassandra.db.MutationVerbHandler";
    public static final String MUTATION = "org.apache.cassandra.db.Mutation";
    public static final String QUERY_PROCESSOR = "org.apache.cassandra.cql3.QueryProcessor";

    private static final String ADVICE = "io.cdflow.agent.advice.";
    static final String COORDINATOR_WRITE_ADVICE = ADVICE + "CoordinatorWriteAdvice";
    static final String REPLICA_CONTACTS_ADVICE = ADVICE + "ReplicaContactsAdvice";
    static final String REMOTE_REPLICA_ADVICE = ADVICE + "RemoteReplicaAdvice";
    static final String LOCAL_REPLICA_ADVICE = ADVICE + "LocalReplicaAdvice";
    static final String CLIENT_REQUEST_ADVICE = ADVICE + "ClientRequestAdvice";

    private static final String CONSISTENCY_LEVEL = "org.apache.cassandra.db.ConsistencyLevel";
    private static final String REQUEST_TIME = "org.apache.cassandra.transport.Dispatcher$RequestTime";

    private static final List<Hook> ALL = List.of(
        new Hook(STORAGE_PROXY,
            "static mutateWithTriggers(List, ConsistencyLevel, boolean, Dispatcher$RequestTime)",
            isStatic().and(named("mutateWithTriggers")).and(takesArguments(4))
                .and(takesArgument(0, named("java.util.List")))
                .and(takesArgument(1, named(CONSISTENCY_LEVEL)))
                .and(takesArgument(3, named(REQUEST_TIME))),
            COORDINATOR_WRITE_ADVICE),
        new Hook(STORAGE_PROXY,
            "static mutate(List, ConsistencyLevel, Dispatcher$RequestTime)",
            isStatic().and(named("mutate")).and(takesArguments(3))
                .and(takesArgument(0, named("java.util.List")))
                .and(takesArgument(1, named(CONSISTENCY_LEVEL)))
                .and(takesArgument(2, named(REQUEST_TIME))),
            COORDINATOR_WRITE_ADVICE),
        new Hook(STORAGE_PROXY,
            "static mutateAtomically(Collection, ConsistencyLevel, boolean, Dispatcher$RequestTime)",
            isStatic().and(named("mutateAtomically")).and(takesArguments(4))
                .and(takesArgument(0, named("java.util.Collection")))
                .and(takesArgument(1, named(CONSISTENCY_LEVEL)))
                .and(takesArgument(3, named(REQUEST_TIME))),
            COORDINATOR_WRITE_ADVICE),
        new Hook(STORAGE_PROXY,
            "static sendToHintedReplicas(Mutation, ReplicaPlan$ForWrite, AbstractWriteResponseHandler, String, Stage, Dispatcher$RequestTime)",
            isStatic().and(named("sendToHintedReplicas")).and(takesArguments(6))
                .and(takesArgument(0, named(MUTATION)))
                .and(takesArgument(1, named("org.apache.cassandra.locator.ReplicaPlan$ForWrite"))),
            REPLICA_CONTACTS_ADVICE),
        new Hook(MUTATION_VERB_HANDLER,
            "applyMutation(Message, InetAddressAndPort)",
            not(isStatic()).and(named("applyMutation")).and(takesArguments(2))
                .and(takesArgument(0, named("org.apache.cassandra.net.Message")))
                .and(takesArgument(1, named("org.apache.cassandra.locator.InetAddressAndPort"))),
            REMOTE_REPLICA_ADVICE),
        new Hook(MUTATION,
            "apply()",
            not(isStatic()).and(named("apply")).and(takesArguments(0)),
            LOCAL_REPLICA_ADVICE),
        new Hook(QUERY_PROCESSOR,
            "processStatement(CQLStatement, QueryState, QueryOptions, Dispatcher$RequestTime)",
            not(isStatic()).and(named("processStatement")).and(takesArguments(4))
                .and(takesArgument(0, named("org.apache.cassandra.cql3.CQLStatement")))
                .and(takesArgument(1, named("org.apache.cassandra.service.QueryState")))
                .and(takesArgument(2, named("org.apache.cassandra.cql3.QueryOptions")))
                .and(takesArgument(3, named(REQUEST_TIME))),
            CLIENT_REQUEST_ADVICE),
        new Hook(QUERY_PROCESSOR,
            "processBatch(BatchStatement, QueryState, BatchQueryOptions, Dispatcher$RequestTime)",
            not(isStatic()).and(named("processBatch")).and(takesArguments(4))
                .and(takesArgument(0, named("org.apache.cassandra.cql3.statements.BatchStatement")))
                .and(takesArgument(1, named("org.apache.cassandra.service.QueryState")))
                .and(takesArgument(2, named("org.apache.cassandra.cql3.BatchQueryOptions")))
                .and(takesArgument(3, named(REQUEST_TIME))),
            CLIENT_REQUEST_ADVICE));

    private Hooks() {
    }

    public static List<Hook> all() {
        return ALL;
    }
}
