package io.cdflow.agent.instrument;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.util.List;

/**
 * Hook points of the lightweight-transaction, counter and batchlog families (part of {@link Hooks#all()}; same
 * rules: types and arguments matched by name, each matcher selects exactly one declared method of 5.0.9).
 */
final class FamilyHooks {
    static final String PAXOS_PREPARE = "org.apache.cassandra.service.paxos.PaxosPrepare";
    static final String PAXOS_COMMIT_AND_PREPARE = "org.apache.cassandra.service.paxos.PaxosCommitAndPrepare";
    static final String PAXOS_PROPOSE = "org.apache.cassandra.service.paxos.PaxosPropose";
    static final String PAXOS_COMMIT = "org.apache.cassandra.service.paxos.PaxosCommit";
    static final String CONTENTION_STRATEGY = "org.apache.cassandra.service.paxos.ContentionStrategy";
    static final String PAXOS_STATE = "org.apache.cassandra.service.paxos.PaxosState";
    static final String COUNTER_MUTATION = "org.apache.cassandra.db.CounterMutation";
    static final String COUNTER_VERB_HANDLER = "org.apache.cassandra.db.CounterMutationVerbHandler";
    static final String BATCHLOG_MANAGER = "org.apache.cassandra.batchlog.BatchlogManager";
    static final String BATCH_STORE_VERB_HANDLER = "org.apache.cassandra.batchlog.BatchStoreVerbHandler";
    static final String BATCH_REMOVE_VERB_HANDLER = "org.apache.cassandra.batchlog.BatchRemoveVerbHandler";

    private static final String ADVICE = "io.cdflow.agent.advice.";
    private static final String COMMIT = "org.apache.cassandra.service.paxos.Commit";
    private static final String PARTICIPANTS = "org.apache.cassandra.service.paxos.Paxos$Participants";
    private static final String MESSAGE = "org.apache.cassandra.net.Message";

    static final List<Hook> ALL = List.of(
        // Lightweight transactions.
        new Hook(HookFamily.LWT, Hooks.STORAGE_PROXY,
            "static cas(String, String, DecoratedKey, CASRequest, ConsistencyLevel, ConsistencyLevel, ClientState, long, Dispatcher$RequestTime)",
            isStatic().and(named("cas")).and(takesArguments(9))
                .and(takesArgument(0, String.class))
                .and(takesArgument(3, named("org.apache.cassandra.service.CASRequest"))),
            ADVICE + "CasAdvice"),
        new Hook(HookFamily.LWT, Hooks.STORAGE_PROXY,
            "static preparePaxos(Commit, ReplicaPlan$ForPaxosWrite, Dispatcher$RequestTime)",
            isStatic().and(named("preparePaxos")).and(takesArguments(3)).and(takesArgument(0, named(COMMIT))),
            ADVICE + "PaxosPrepareAdvice"),
        new Hook(HookFamily.LWT, Hooks.STORAGE_PROXY,
            "static proposePaxos(Commit, ReplicaPlan$ForPaxosWrite, boolean, Dispatcher$RequestTime)",
            isStatic().and(named("proposePaxos")).and(takesArguments(4))
                .and(takesArgument(0, named(COMMIT))).and(takesArgument(2, boolean.class)),
            ADVICE + "PaxosProposeAdvice"),
        new Hook(HookFamily.LWT, Hooks.STORAGE_PROXY,
            "static commitPaxos(Commit, ConsistencyLevel, boolean, Dispatcher$RequestTime)",
            isStatic().and(named("commitPaxos")).and(takesArguments(4)).and(takesArgument(0, named(COMMIT))),
            ADVICE + "PaxosCommitAdvice"),
        new Hook(HookFamily.LWT, Hooks.STORAGE_PROXY,
            "static recordCasContention(TableMetadata, DecoratedKey, CASClientRequestMetrics, int)",
            isStatic().and(named("recordCasContention")).and(takesArguments(4)).and(takesArgument(3, int.class)),
            ADVICE + "CasContentionAdvice"),
        new Hook(HookFamily.LWT, PAXOS_PREPARE,
            "static prepareWithBallot(Ballot, Paxos$Participants, SinglePartitionReadCommand, boolean, boolean)",
            isStatic().and(named("prepareWithBallot")).and(takesArguments(5))
                .and(takesArgument(2, named("org.apache.cassandra.db.SinglePartitionReadCommand"))),
            ADVICE + "PaxosPrepareAdvice"),
        new Hook(HookFamily.LWT, PAXOS_COMMIT_AND_PREPARE,
            "static commitAndPrepare(Commit$Agreed, Paxos$Participants, SinglePartitionReadCommand, boolean, boolean)",
            isStatic().and(named("commitAndPrepare")).and(takesArguments(5))
                .and(takesArgument(1, named(PARTICIPANTS))),
            ADVICE + "PaxosPrepareAdvice"),
        new Hook(HookFamily.LWT, PAXOS_PROPOSE,
            "static propose(Commit$Proposal, Paxos$Participants, boolean)",
            isStatic().and(named("propose")).and(takesArguments(3)).and(takesArgument(1, named(PARTICIPANTS))),
            ADVICE + "PaxosV2ProposeAdvice"),
        new Hook(HookFamily.LWT, PAXOS_COMMIT,
            "static commit(Commit$Agreed, Paxos$Participants, ConsistencyLevel, ConsistencyLevel, boolean)",
            isStatic().and(named("commit")).and(takesArguments(5)).and(takesArgument(1, named(PARTICIPANTS))),
            ADVICE + "PaxosCommitAdvice"),
        new Hook(HookFamily.LWT, CONTENTION_STRATEGY,
            "static waitForContention(long, int, TableMetadata, DecoratedKey, ConsistencyLevel, ContentionStrategy$Type)",
            isStatic().and(named("waitForContention")).and(takesArguments(6))
                .and(takesArgument(0, long.class)).and(takesArgument(1, int.class)),
            ADVICE + "PaxosContentionAdvice"),
        new Hook(HookFamily.LWT, PAXOS_STATE,
            "static applyCommit(Commit, PaxosState, BiConsumer)",
            isStatic().and(named("applyCommit")).and(takesArguments(3)).and(takesArgument(0, named(COMMIT))),
            ADVICE + "PaxosAppliedAdvice"),
        // Counters.
        new Hook(HookFamily.COUNTERS, Hooks.MESSAGING_SERVICE,
            "sendWriteWithCallback(Message, Replica, AbstractWriteResponseHandler[, boolean before 4.1.2])",
            not(isStatic()).and(named("sendWriteWithCallback")).and(Hooks.sendWriteArguments())
                .and(takesArgument(0, named(MESSAGE)))
                .and(takesArgument(1, named("org.apache.cassandra.locator.Replica"))),
            ADVICE + "CounterForwardAdvice"),
        new Hook(HookFamily.COUNTERS, Hooks.STORAGE_PROXY,
            "static applyCounterMutationOnCoordinator(CounterMutation, String, Dispatcher$RequestTime)",
            isStatic().and(named("applyCounterMutationOnCoordinator")).and(takesArguments(3))
                .and(takesArgument(0, named(COUNTER_MUTATION))),
            ADVICE + "CounterOnCoordinatorAdvice"),
        new Hook(HookFamily.COUNTERS, COUNTER_VERB_HANDLER,
            "applyMutation(Message, InetAddressAndPort)",
            not(isStatic()).and(named("applyMutation")).and(takesArguments(2))
                .and(takesArgument(0, named(MESSAGE))),
            ADVICE + "CounterVerbAdvice")
            // before 4.1.7 doVerb applies the counter mutation itself
            .orOlder(COUNTER_VERB_HANDLER, "doVerb(Message)",
                not(isStatic()).and(named("doVerb")).and(takesArguments(1)).and(takesArgument(0, named(MESSAGE))),
                ADVICE + "CounterVerbOlderAdvice"),
        new Hook(HookFamily.COUNTERS, COUNTER_MUTATION,
            "applyCounterMutation()",
            not(isStatic()).and(named("applyCounterMutation")).and(takesArguments(0)),
            ADVICE + "CounterApplyAdvice"),
        // Batchlog.
        new Hook(HookFamily.BATCHLOG, BATCHLOG_MANAGER,
            "static store(Batch, boolean)",
            isStatic().and(named("store")).and(takesArguments(2))
                .and(takesArgument(0, named("org.apache.cassandra.batchlog.Batch")))
                .and(takesArgument(1, boolean.class)),
            ADVICE + "BatchlogStoreAdvice"),
        new Hook(HookFamily.BATCHLOG, BATCHLOG_MANAGER,
            "static remove(TimeUUID)",
            isStatic().and(named("remove")).and(takesArguments(1))
                .and(takesArgument(0, named("org.apache.cassandra.utils.TimeUUID"))),
            ADVICE + "BatchlogRemoveAdvice"),
        new Hook(HookFamily.BATCHLOG, BATCH_STORE_VERB_HANDLER,
            "doVerb(Message)",
            not(isStatic()).and(named("doVerb")).and(takesArguments(1)).and(takesArgument(0, named(MESSAGE))),
            ADVICE + "BatchlogVerbAdvice"),
        new Hook(HookFamily.BATCHLOG, BATCH_REMOVE_VERB_HANDLER,
            "doVerb(Message)",
            not(isStatic()).and(named("doVerb")).and(takesArguments(1)).and(takesArgument(0, named(MESSAGE))),
            ADVICE + "BatchlogVerbAdvice"));

    private FamilyHooks() {
    }
}
