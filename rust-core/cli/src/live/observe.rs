//! Decoded journal events → the live model, in global name ids. One [`IdMap`] per journal: each
//! journal (one run of one node's core) has its own string ids.

use std::collections::HashMap;

use cdflow_core::decode::fields::{FieldValue, id};
use cdflow_core::decode::strings::StringsView;
use cdflow_core::decode::wire::{Event, EventKind, MutationEvent, TaggedEvent};
use cdflow_core::enrich::keyhash::PartitionKeyHasher;
use cdflow_core::flows::classify::{EventClass, Request};
use cdflow_core::flows::key::Scope;
use cdflow_core::flows::rows::client_host;
use cdflow_core::tables::LineageTable;

use super::model::{Model, Observation};
use super::names::Names;

/// A journal's string ids → global ids (client addresses → the global id of their host).
#[derive(Debug, Default)]
pub struct IdMap {
    ids: HashMap<u32, u32>,
    hosts: HashMap<u32, u32>,
}

impl IdMap {
    fn global(&mut self, local: u32, strings: &StringsView<'_>, names: &mut Names) -> u32 {
        if local == 0 {
            return 0;
        }
        *self
            .ids
            .entry(local)
            .or_insert_with(|| names.intern(strings.get(local).unwrap_or("")))
    }

    fn host(&mut self, local: u32, strings: &StringsView<'_>, names: &mut Names) -> u32 {
        if local == 0 {
            return 0;
        }
        *self
            .hosts
            .entry(local)
            .or_insert_with(|| names.intern(client_host(strings.get(local).unwrap_or(""))))
    }
}

/// Adds one decoded event to the model; returns the global id of its node.
pub fn observe_event(
    event: &Event<'_>,
    strings: &StringsView<'_>,
    ids: &mut IdMap,
    hasher: Option<&PartitionKeyHasher>,
    model: &mut Model,
) -> u32 {
    match event {
        Event::Mutation(mutation) => observe_mutation(mutation, strings, ids, hasher, model),
        Event::Tagged(tagged) => observe_tagged(tagged, strings, ids, hasher, model),
    }
}

fn observe_mutation(
    event: &MutationEvent<'_>,
    strings: &StringsView<'_>,
    ids: &mut IdMap,
    hasher: Option<&PartitionKeyHasher>,
    model: &mut Model,
) -> u32 {
    let names = &mut model.names;
    let mut global = |local| ids.global(local, strings, names);
    let scope = Scope {
        node: global(event.node),
        keyspace: global(event.keyspace),
        table: global(event.table),
    };
    let (user, coordinator) = (global(event.user), global(event.coordinator));
    let client_address = ids.host(event.client_address, strings, &mut model.names);
    let extension = |field| event.extension.get(field);
    let observation = Observation {
        time_us: event.event_time_us,
        class: match event.kind {
            EventKind::CoordinatorWrite => EventClass::CoordinatorWrite,
            EventKind::ReplicaWrite => EventClass::ReplicaWrite,
        },
        request: Request {
            scope,
            user,
            client_address,
            coordinator,
            applied_locally: event.applied_locally(),
            token: Some(event.token),
            bytes: u64::from(event.bytes),
            latency_us: u64::try_from(event.latency_us).ok(),
            hint_target: 0,
        },
        tombstones: u64::from(event.tombstones),
        key_hash: hasher.map(|hasher| hasher.hash(event.key) as i64),
        cas_applied: extension(id::CAS_APPLIED).and_then(FieldValue::as_bool),
        paxos_attempts: extension(id::PAXOS_ATTEMPTS)
            .and_then(FieldValue::as_i64)
            .and_then(|value| u64::try_from(value).ok()),
    };
    model.observe(&observation);
    scope.node
}

fn observe_tagged(
    event: &TaggedEvent<'_>,
    strings: &StringsView<'_>,
    ids: &mut IdMap,
    hasher: Option<&PartitionKeyHasher>,
    model: &mut Model,
) -> u32 {
    let field = |field| event.field(field);
    let local = |name| field(name).and_then(FieldValue::as_string_id).unwrap_or(0);
    let number = |name| field(name).and_then(FieldValue::as_i64);
    let unsigned = |name| number(name).and_then(|value| u64::try_from(value).ok());
    let names = &mut model.names;
    let scope = Scope {
        node: ids.global(event.node(), strings, names),
        keyspace: ids.global(local(id::KEYSPACE), strings, names),
        table: ids.global(local(id::TABLE), strings, names),
    };
    let time_us = event.event_time_us;
    match event.table {
        LineageTable::Events => {
            let (kind_name, kind) = match field(id::KIND) {
                Some(FieldValue::Str(kind_local)) => match strings.get(kind_local) {
                    Some(name) => (name, ids.global(kind_local, strings, names)),
                    None => return scope.node,
                },
                Some(FieldValue::Text(name)) => (name, names.intern(name)),
                _ => return scope.node,
            };
            let class = EventClass::of_name(kind_name, kind).refined(
                field(id::ROWS_RETURNED).is_some(),
                field(id::ERROR).is_some(),
                field(id::RANGE_SCAN).and_then(FieldValue::as_bool),
            );
            let observation = Observation {
                time_us,
                class,
                request: Request {
                    scope,
                    user: ids.global(local(id::USER), strings, names),
                    client_address: ids.host(local(id::CLIENT_ADDRESS), strings, names),
                    coordinator: ids.global(local(id::COORDINATOR), strings, names),
                    applied_locally: field(id::APPLIED_LOCALLY)
                        .and_then(FieldValue::as_bool)
                        .unwrap_or(false),
                    token: number(id::TOKEN),
                    bytes: unsigned(id::BYTES).unwrap_or(0),
                    latency_us: unsigned(id::LATENCY_US),
                    hint_target: ids.global(local(id::HINT_TARGET), strings, names),
                },
                tombstones: unsigned(id::TOMBSTONES).unwrap_or(0),
                key_hash: hasher.and_then(|hasher| {
                    field(id::PARTITION_KEY)
                        .and_then(FieldValue::as_bytes)
                        .map(|key| hasher.hash(key) as i64)
                }),
                cas_applied: field(id::CAS_APPLIED).and_then(FieldValue::as_bool),
                paxos_attempts: unsigned(id::PAXOS_ATTEMPTS),
            };
            model.observe(&observation);
        }
        LineageTable::Flushes => {
            model.flush(time_us, scope, unsigned(id::BYTES_OUT).unwrap_or(0));
        }
        LineageTable::Compactions => model.compaction(
            time_us,
            scope,
            unsigned(id::BYTES_IN).unwrap_or(0),
            unsigned(id::BYTES_OUT).unwrap_or(0),
            unsigned(id::DURATION_US),
        ),
        LineageTable::Sstables | LineageTable::AuthEvents => {}
    }
    scope.node
}
