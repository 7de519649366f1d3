package io.cdflow.agent.instrument;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.util.List;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Every hook point of the agent in Cassandra 5.0 (signatures checked against cassandra-all 5.0.9 by HooksTest).
 * Types and arguments are matched by name: nothing here loads a Cassandra class.
 */
public final class Hooks {
    public static final String STORAGE_PROXY = "org.apache.cassandra.service.StorageProxy";
    public static final String MUTATION_VERB_HANDLER = "org.apache.cassandra.db.MutationVerbHandler";
    public static final String MUTATION = "org.apache.cassandra.db.Mutation";
    public static final String QUERY_PROCESSOR = "org.apache.cassandra.cql3.QueryProcessor";
    public static final String DISPATCHER = "org.apache.cassandra.transport.Dispatcher";
    public static final String BATCH_STATEMENT = "org.apache.cassandra.cql3.statements.BatchStatement";
    public static final String SELECT_STATEMENT = "org.apache.cassandra.cql3.statements.SelectStatement";
    public static final String RANGE_COMMAND_ITERATOR = "org.apache.cassandra.service.reads.range.RangeCommandIterator";
    public static final String MESSAGING_SERVICE = "org.apache.cassandra.net.MessagingService";
    public static final String LOCAL_READ_RUNNABLE = "org.apache.cassandra.service.StorageProxy$LocalReadRunnable";
    public static final String READ_VERB_HANDLER = "org.apache.cassandra.db.ReadCommandVerbHandler";
    public static final String READ_METRIC_RECORDING = "org.apache.cassandra.db.ReadCommand$1MetricRecording";
    public static final String COLUMN_FAMILY_STORE = "org.apache.cassandra.db.ColumnFamilyStore";
    public static final String TRACKER = "org.apache.cassandra.db.lifecycle.Tracker";
    public static final String COMPACTION_TASK = "org.apache.cassandra.db.compaction.CompactionTask";
    public static final String COMPACTION_LOGGER = "org.apache.cassandra.db.compaction.CompactionLogger";
    public static final String AUTH_RESPONSE = "org.apache.cassandra.transport.messages.AuthResponse";
    public static final String PLAIN_TEXT_SASL = "org.apache.cassandra.auth.PasswordAuthenticator$PlainTextSaslAuthenticator";
    public static final String HINT = "org.apache.cassandra.hints.Hint";
    public static final String MESSAGE = "org.apache.cassandra.net.Message";
    public static final String HINTS_SERVICE = "org.apache.cassandra.hints.HintsService";
    public static final String HINT_VERB_HANDLER = "org.apache.cassandra.hints.HintVerbHandler";

    private static final String ADVICE = "io.cdflow.agent.advice.";
    static final String COORDINATOR_WRITE_ADVICE = ADVICE + "CoordinatorWriteAdvice";
    static final String REPLICA_CONTACTS_ADVICE = ADVICE + "ReplicaContactsAdvice";
    static final String REMOTE_REPLICA_ADVICE = ADVICE + "RemoteReplicaAdvice";
    static final String REMOTE_REPLICA_VERB_ADVICE = ADVICE + "RemoteReplicaVerbAdvice";
    static final String LOCAL_REPLICA_ADVICE = ADVICE + "LocalReplicaAdvice";
    static final String CLIENT_REQUEST_ADVICE = ADVICE + "ClientRequestAdvice";
    static final String SESSION_ADVICE = ADVICE + "SessionAdvice";
    static final String BATCH_ADVICE = ADVICE + "BatchAdvice";
    static final String BATCHLOG_ADVICE = ADVICE + "BatchlogAdvice";
    static final String SELECT_ADVICE = ADVICE + "SelectAdvice";
    static final String COORDINATOR_READ_ADVICE = ADVICE + "CoordinatorReadAdvice";
    static final String RANGE_READ_ADVICE = ADVICE + "RangeReadAdvice";
    static final String RANGE_CLOSE_ADVICE = ADVICE + "RangeCloseAdvice";
    static final String READ_SEND_ADVICE = ADVICE + "ReadSendAdvice";
    static final String LOCAL_READ_CREATED_ADVICE = ADVICE + "LocalReadCreatedAdvice";
    static final String LOCAL_READ_ADVICE = ADVICE + "LocalReadAdvice";
    static final String REMOTE_READ_ADVICE = ADVICE + "RemoteReadAdvice";
    static final String READ_METRICS_ADVICE = ADVICE + "ReadMetricsAdvice";
    static final String FLUSH_SWITCH_ADVICE = ADVICE + "FlushSwitchAdvice";
    static final String MEMTABLE_SWITCHED_ADVICE = ADVICE + "MemtableSwitchedAdvice";
    static final String FLUSHED_ADVICE = ADVICE + "FlushedAdvice";
    static final String COMPACTION_TASK_ADVICE = ADVICE + "CompactionTaskAdvice";
    static final String COMPACTION_HISTORY_ADVICE = ADVICE + "CompactionHistoryAdvice";
    static final String COMPACTION_LOGGED_ADVICE = ADVICE + "CompactionLoggedAdvice";
    static final String AUTH_RESPONSE_ADVICE = ADVICE + "AuthResponseAdvice";
    static final String CREDENTIALS_ADVICE = ADVICE + "CredentialsAdvice";
    static final String WRITE_SEND_ADVICE = ADVICE + "WriteSendAdvice";
    static final String WRITE_MESSAGE_ADVICE = ADVICE + "WriteMessageAdvice";
    static final String HINT_CREATED_ADVICE = ADVICE + "HintCreatedAdvice";
    static final String HINT_WRITE_ADVICE = ADVICE + "HintWriteAdvice";
    static final String HINT_RECEIVE_ADVICE = ADVICE + "HintReceiveAdvice";
    static final String HINT_APPLY_ADVICE = ADVICE + "HintApplyAdvice";

    private static final String CONSISTENCY_LEVEL = "org.apache.cassandra.db.ConsistencyLevel";
    private static final String REQUEST_TIME = "org.apache.cassandra.transport.Dispatcher$RequestTime";

    private static final List<Hook> ALL = List.of(
        new Hook(HookFamily.WRITES, STORAGE_PROXY,
            "static mutateWithTriggers(List, ConsistencyLevel, boolean, Dispatcher$RequestTime or long)",
            isStatic().and(named("mutateWithTriggers")).and(takesArguments(4))
                .and(takesArgument(0, named("java.util.List")))
                .and(takesArgument(1, named(CONSISTENCY_LEVEL)))
                .and(requestTimeAt(3)),
            COORDINATOR_WRITE_ADVICE),
        new Hook(HookFamily.WRITES, STORAGE_PROXY,
            "static mutate(List, ConsistencyLevel, Dispatcher$RequestTime or long)",
            isStatic().and(named("mutate")).and(takesArguments(3))
                .and(takesArgument(0, named("java.util.List")))
                .and(takesArgument(1, named(CONSISTENCY_LEVEL)))
                .and(requestTimeAt(2)),
            COORDINATOR_WRITE_ADVICE),
        new Hook(HookFamily.WRITES, STORAGE_PROXY,
            "static mutateAtomically(Collection, ConsistencyLevel, boolean, Dispatcher$RequestTime or long)",
            isStatic().and(named("mutateAtomically")).and(takesArguments(4))
                .and(takesArgument(0, named("java.util.Collection")))
                .and(takesArgument(1, named(CONSISTENCY_LEVEL)))
                .and(requestTimeAt(3)),
            COORDINATOR_WRITE_ADVICE),
        new Hook(HookFamily.WRITES, STORAGE_PROXY,
            "static sendToHintedReplicas(Mutation, ReplicaPlan$ForWrite, AbstractWriteResponseHandler, String, Stage[, Dispatcher$RequestTime from 4.1.6])",
            isStatic().and(named("sendToHintedReplicas")).and(takesArguments(6).or(takesArguments(5)))
                .and(takesArgument(0, named(MUTATION)))
                .and(takesArgument(1, named("org.apache.cassandra.locator.ReplicaPlan$ForWrite"))),
            REPLICA_CONTACTS_ADVICE),
        new Hook(HookFamily.WRITES, MUTATION_VERB_HANDLER,
            "applyMutation(Message, InetAddressAndPort)",
            not(isStatic()).and(named("applyMutation")).and(takesArguments(2))
                .and(takesArgument(0, named("org.apache.cassandra.net.Message")))
                .and(takesArgument(1, named("org.apache.cassandra.locator.InetAddressAndPort"))),
            REMOTE_REPLICA_ADVICE)
            // before 4.1.7 doVerb applies the mutation itself
            .orOlder(MUTATION_VERB_HANDLER, "doVerb(Message)",
                not(isStatic()).and(not(isBridge())).and(named("doVerb")).and(takesArguments(1))
                    .and(takesArgument(0, named("org.apache.cassandra.net.Message"))),
                REMOTE_REPLICA_VERB_ADVICE),
        new Hook(HookFamily.WRITES, MUTATION,
            "apply()",
            not(isStatic()).and(named("apply")).and(takesArguments(0)),
            LOCAL_REPLICA_ADVICE),
        new Hook(HookFamily.SESSION, QUERY_PROCESSOR,
            "processStatement(CQLStatement, QueryState, QueryOptions, Dispatcher$RequestTime or long)",
            not(isStatic()).and(named("processStatement")).and(takesArguments(4))
                .and(takesArgument(0, named("org.apache.cassandra.cql3.CQLStatement")))
                .and(takesArgument(1, named("org.apache.cassandra.service.QueryState")))
                .and(takesArgument(2, named("org.apache.cassandra.cql3.QueryOptions")))
                .and(requestTimeAt(3)),
            CLIENT_REQUEST_ADVICE),
        new Hook(HookFamily.SESSION, QUERY_PROCESSOR,
            "processBatch(BatchStatement, QueryState, BatchQueryOptions, Dispatcher$RequestTime or long)",
            not(isStatic()).and(named("processBatch")).and(takesArguments(4))
                .and(takesArgument(0, named("org.apache.cassandra.cql3.statements.BatchStatement")))
                .and(takesArgument(1, named("org.apache.cassandra.service.QueryState")))
                .and(takesArgument(2, named("org.apache.cassandra.cql3.BatchQueryOptions")))
                .and(requestTimeAt(3)),
            CLIENT_REQUEST_ADVICE),
        new Hook(HookFamily.SESSION, DISPATCHER,
            "static processRequest(Channel, Message$Request, ClientResourceLimits$Overload[, Dispatcher$RequestTime or long from 4.1.3])",
            isStatic().and(named("processRequest"))
                .and(takesArgument(0, named("io.netty.channel.Channel")))
                .and(takesArgument(1, named("org.apache.cassandra.transport.Message$Request")))
                .and(takesArguments(4).and(requestTimeAt(3)).or(takesArguments(3))),
            SESSION_ADVICE),
        new Hook(HookFamily.WRITES, BATCH_STATEMENT,
            "execute(QueryState, BatchQueryOptions, Dispatcher$RequestTime or long)",
            not(isStatic()).and(not(isBridge())).and(named("execute")).and(takesArguments(3))
                .and(takesArgument(0, named("org.apache.cassandra.service.QueryState")))
                .and(takesArgument(1, named("org.apache.cassandra.cql3.BatchQueryOptions")))
                .and(requestTimeAt(2)),
            BATCH_ADVICE),
        new Hook(HookFamily.WRITES, STORAGE_PROXY,
            "static syncWriteToBatchlog(Collection, ReplicaPlan$ForWrite, TimeUUID, Dispatcher$RequestTime or long)",
            isStatic().and(named("syncWriteToBatchlog")).and(takesArguments(4))
                .and(takesArgument(0, named("java.util.Collection")))
                .and(takesArgument(2, named("org.apache.cassandra.utils.TimeUUID"))),
            BATCHLOG_ADVICE),
        new Hook(HookFamily.READS, SELECT_STATEMENT,
            "execute(QueryState, QueryOptions, Dispatcher$RequestTime or long) returning ResultMessage$Rows (not the bridge)",
            not(isStatic()).and(not(isBridge())).and(named("execute")).and(takesArguments(3))
                .and(takesArgument(0, named("org.apache.cassandra.service.QueryState")))
                .and(takesArgument(1, named("org.apache.cassandra.cql3.QueryOptions")))
                .and(requestTimeAt(2))
                .and(returns(named("org.apache.cassandra.transport.messages.ResultMessage$Rows"))),
            SELECT_ADVICE),
        new Hook(HookFamily.READS, STORAGE_PROXY,
            "static read(SinglePartitionReadCommand$Group, ConsistencyLevel, Dispatcher$RequestTime or long)",
            isStatic().and(named("read")).and(takesArguments(3))
                .and(takesArgument(0, named("org.apache.cassandra.db.SinglePartitionReadCommand$Group")))
                .and(takesArgument(1, named(CONSISTENCY_LEVEL)))
                .and(requestTimeAt(2)),
            COORDINATOR_READ_ADVICE),
        new Hook(HookFamily.READS, STORAGE_PROXY,
            "static getRangeSlice(PartitionRangeReadCommand, ConsistencyLevel, Dispatcher$RequestTime or long)",
            isStatic().and(named("getRangeSlice")).and(takesArguments(3))
                .and(takesArgument(0, named("org.apache.cassandra.db.PartitionRangeReadCommand")))
                .and(takesArgument(1, named(CONSISTENCY_LEVEL)))
                .and(requestTimeAt(2)),
            RANGE_READ_ADVICE),
        new Hook(HookFamily.READS, RANGE_COMMAND_ITERATOR,
            "close()",
            not(isStatic()).and(named("close")).and(takesArguments(0)),
            RANGE_CLOSE_ADVICE),
        new Hook(HookFamily.READS, MESSAGING_SERVICE,
            "sendWithCallback(Message, InetAddressAndPort, RequestCallback, ConnectionType)",
            not(isStatic()).and(named("sendWithCallback")).and(takesArguments(4))
                .and(takesArgument(0, named("org.apache.cassandra.net.Message")))
                .and(takesArgument(1, named("org.apache.cassandra.locator.InetAddressAndPort")))
                .and(takesArgument(3, named("org.apache.cassandra.net.ConnectionType"))),
            READ_SEND_ADVICE),
        new Hook(HookFamily.READS, LOCAL_READ_RUNNABLE,
            "<init>(ReadCommand, ReadCallback[, Dispatcher$RequestTime from 4.1.6], boolean)",
            isConstructor()
                .and(takesArgument(0, named("org.apache.cassandra.db.ReadCommand")))
                .and(takesArguments(4).and(takesArgument(3, boolean.class))
                    .or(takesArguments(3).and(takesArgument(2, boolean.class)))),
            LOCAL_READ_CREATED_ADVICE),
        new Hook(HookFamily.READS, LOCAL_READ_RUNNABLE,
            "runMayThrow()",
            not(isStatic()).and(named("runMayThrow")).and(takesArguments(0)),
            LOCAL_READ_ADVICE),
        new Hook(HookFamily.READS, READ_VERB_HANDLER,
            "doVerb(Message)",
            not(isStatic()).and(not(isBridge())).and(named("doVerb")).and(takesArguments(1))
                .and(takesArgument(0, named("org.apache.cassandra.net.Message"))),
            REMOTE_READ_ADVICE),
        new Hook(HookFamily.READS, READ_METRIC_RECORDING,
            "onClose()",
            not(isStatic()).and(named("onClose")).and(takesArguments(0)),
            READ_METRICS_ADVICE),
        new Hook(HookFamily.FLUSH, COLUMN_FAMILY_STORE,
            "switchMemtable(ColumnFamilyStore$FlushReason)",
            not(isStatic()).and(named("switchMemtable")).and(takesArguments(1))
                .and(takesArgument(0, named("org.apache.cassandra.db.ColumnFamilyStore$FlushReason"))),
            FLUSH_SWITCH_ADVICE),
        new Hook(HookFamily.FLUSH, TRACKER,
            "switchMemtable(boolean, Memtable)",
            not(isStatic()).and(named("switchMemtable")).and(takesArguments(2))
                .and(takesArgument(0, boolean.class))
                .and(takesArgument(1, named("org.apache.cassandra.db.memtable.Memtable"))),
            MEMTABLE_SWITCHED_ADVICE),
        new Hook(HookFamily.FLUSH, TRACKER,
            "replaceFlushed(Memtable, Collection on 5.0 | Iterable on 4.1)",
            not(isStatic()).and(named("replaceFlushed")).and(takesArguments(2))
                .and(takesArgument(0, named("org.apache.cassandra.db.memtable.Memtable")))
                .and(takesArgument(1, named("java.util.Collection").or(named("java.lang.Iterable")))),
            FLUSHED_ADVICE),
        new Hook(HookFamily.COMPACTION, COMPACTION_TASK,
            "runMayThrow()",
            not(isStatic()).and(named("runMayThrow")).and(takesArguments(0)),
            COMPACTION_TASK_ADVICE),
        new Hook(HookFamily.COMPACTION, COMPACTION_TASK,
            "static updateCompactionHistory(TimeUUID, String, String, long[], long, long[, Map on 5.0])",
            isStatic().and(named("updateCompactionHistory")).and(takesArguments(7).or(takesArguments(6)))
                .and(takesArgument(0, named("org.apache.cassandra.utils.TimeUUID")))
                .and(takesArgument(3, long[].class))
                .and(takesArgument(4, long.class))
                .and(takesArgument(5, long.class)),
            COMPACTION_HISTORY_ADVICE),
        new Hook(HookFamily.COMPACTION, COMPACTION_LOGGER,
            "compaction(long, Collection, long, Collection)",
            not(isStatic()).and(named("compaction")).and(takesArguments(4))
                .and(takesArgument(0, long.class))
                .and(takesArgument(1, named("java.util.Collection")))
                .and(takesArgument(2, long.class))
                .and(takesArgument(3, named("java.util.Collection"))),
            COMPACTION_LOGGED_ADVICE),
        new Hook(HookFamily.AUTH, AUTH_RESPONSE,
            "execute(QueryState, Dispatcher$RequestTime or long, boolean)",
            not(isStatic()).and(not(isBridge())).and(named("execute")).and(takesArguments(3))
                .and(takesArgument(0, named("org.apache.cassandra.service.QueryState")))
                .and(requestTimeAt(1))
                .and(takesArgument(2, boolean.class)),
            AUTH_RESPONSE_ADVICE),
        new Hook(HookFamily.AUTH, PLAIN_TEXT_SASL,
            "decodeCredentials(byte[])",
            not(isStatic()).and(named("decodeCredentials")).and(takesArguments(1))
                .and(takesArgument(0, byte[].class)),
            CREDENTIALS_ADVICE),
        new Hook(HookFamily.WRITES, MESSAGING_SERVICE,
            "sendWriteWithCallback(Message, Replica, AbstractWriteResponseHandler[, boolean before 4.1.2])",
            not(isStatic()).and(named("sendWriteWithCallback")).and(sendWriteArguments())
                .and(takesArgument(0, named("org.apache.cassandra.net.Message")))
                .and(takesArgument(1, named("org.apache.cassandra.locator.Replica"))),
            WRITE_SEND_ADVICE),
        new Hook(HookFamily.WRITES, MESSAGE,
            "static outWithFlags(Verb, Object, Dispatcher$RequestTime, List)",
            isStatic().and(named("outWithFlags")).and(takesArguments(4))
                .and(takesArgument(0, named("org.apache.cassandra.net.Verb")))
                .and(takesArgument(2, named(REQUEST_TIME)))
                .and(takesArgument(3, named("java.util.List"))),
            WRITE_MESSAGE_ADVICE)
            // before 4.1.6 sendToHintedReplicas builds its MUTATION_REQ with outWithFlag (WriteCapture filters alike)
            .orOlder(MESSAGE, "static outWithFlag(Verb, Object, MessageFlag)",
                isStatic().and(named("outWithFlag")).and(takesArguments(3))
                    .and(takesArgument(0, named("org.apache.cassandra.net.Verb")))
                    .and(takesArgument(2, named("org.apache.cassandra.net.MessageFlag"))),
                WRITE_MESSAGE_ADVICE),
        new Hook(HookFamily.HINTS, HINT,
            "static create(Mutation, long)",
            isStatic().and(named("create")).and(takesArguments(2))
                .and(takesArgument(0, named(MUTATION)))
                .and(takesArgument(1, long.class)),
            HINT_CREATED_ADVICE),
        new Hook(HookFamily.HINTS, HINTS_SERVICE,
            "write(Collection, Hint)",
            not(isStatic()).and(named("write")).and(takesArguments(2))
                .and(takesArgument(0, named("java.util.Collection")))
                .and(takesArgument(1, named(HINT))),
            HINT_WRITE_ADVICE),
        new Hook(HookFamily.HINTS, HINT_VERB_HANDLER,
            "doVerb(Message)",
            not(isStatic()).and(not(isBridge())).and(named("doVerb")).and(takesArguments(1))
                .and(takesArgument(0, named("org.apache.cassandra.net.Message"))),
            HINT_RECEIVE_ADVICE),
        new Hook(HookFamily.HINTS, HINT,
            "applyFuture()",
            not(isStatic()).and(named("applyFuture")).and(takesArguments(0)),
            HINT_APPLY_ADVICE));

    private static final List<Hook> EVERY = concat(ALL, FamilyHooks.ALL);

    private Hooks() {
    }

    /**
     * The request's start time at {@code index}: {@code Dispatcher$RequestTime} from 4.1.6, a {@code long} (nano time)
     * before. No advice reads it, so one matcher serves both.
     */
    static ElementMatcher.Junction<MethodDescription> requestTimeAt(int index) {
        return takesArgument(index, named(REQUEST_TIME)).or(takesArgument(index, long.class));
    }

    /** sendWriteWithCallback's arguments: (Message, Replica, AbstractWriteResponseHandler), plus a boolean before 4.1.2. */
    static ElementMatcher.Junction<MethodDescription> sendWriteArguments() {
        return takesArguments(3).or(takesArguments(4).and(takesArgument(3, boolean.class)));
    }

    private static List<Hook> concat(List<Hook> first, List<Hook> second) {
        List<Hook> all = new java.util.ArrayList<>(first);
        all.addAll(second);
        return List.copyOf(all);
    }

    /** Every hook: the ones above, then the LWT, counter and batchlog families ({@link FamilyHooks}). */
    public static List<Hook> all() {
        return EVERY;
    }

    /** The hooks of one family, in the order of {@link #all()}. */
    public static List<Hook> of(HookFamily family) {
        List<Hook> members = new java.util.ArrayList<>();
        for (Hook hook : EVERY) {
            if (hook.family == family) {
                members.add(hook);
            }
        }
        return members;
    }
}
