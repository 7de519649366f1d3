//! Decoding row groups on every core while one thread aggregates them in order.
//!
//! The work is cut into units (one row group of one file). Worker threads claim units in order, decode
//! and prepare each (decompress, decode, cast, filter, fold) and hand the result back; the calling
//! thread produces units too while the next one it needs is not ready, and consumes the results
//! strictly in unit order, so a command sees exactly the rows, in exactly the
//! order, of a sequential read — its bounded maps keep the same keys and its output does not depend on
//! the number of threads. Workers run at most [`WINDOW_PER_WORKER`] units per worker ahead of the
//! consumer, so memory stays bounded by that many decoded row groups.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread;

/// Units a worker may run ahead of the consumer.
const WINDOW_PER_WORKER: usize = 3;

/// Environment variable capping the worker threads (default: the cores available).
pub const THREADS_ENV: &str = "CDFLOW_THREADS";

/// Worker threads used: `CDFLOW_THREADS` if set to a positive number, else the cores available.
pub fn worker_threads() -> usize {
    std::env::var(THREADS_ENV)
        .ok()
        .and_then(|value| value.trim().parse::<usize>().ok())
        .filter(|threads| *threads > 0)
        .unwrap_or_else(|| thread::available_parallelism().map_or(1, NonZeroUsize::get))
}

struct State<T, E> {
    next_claim: usize,
    next_consume: usize,
    stop: bool,
    done: BTreeMap<usize, Result<T, E>>,
}

/// Runs `produce` on units `0..units` on up to `threads` worker threads and calls `consume` with each
/// result in unit order. The first error (of `produce`, in unit order, or of `consume`) stops the run
/// and is returned.
pub fn ordered<T: Send, E: Send>(
    units: usize,
    threads: usize,
    produce: impl Fn(usize) -> Result<T, E> + Sync,
    mut consume: impl FnMut(usize, T) -> Result<(), E>,
) -> Result<(), E> {
    let threads = threads.clamp(1, units.max(1));
    if threads == 1 {
        for unit in 0..units {
            consume(unit, produce(unit)?)?;
        }
        return Ok(());
    }
    let window = threads * WINDOW_PER_WORKER;
    let state = Mutex::new(State {
        next_claim: 0,
        next_consume: 0,
        stop: false,
        done: BTreeMap::new(),
    });
    let changed = Condvar::new();
    let lock = || state.lock().unwrap_or_else(PoisonError::into_inner);
    // Claims the next unit if it is within the window.
    let claim = |guard: &mut State<T, E>| {
        let open = !guard.stop
            && guard.next_claim < units
            && guard.next_claim < guard.next_consume + window;
        open.then(|| {
            guard.next_claim += 1;
            guard.next_claim - 1
        })
    };
    let run = |unit: usize| {
        let result = produce(unit);
        lock().done.insert(unit, result);
        changed.notify_all();
    };
    thread::scope(|scope| {
        // The calling thread is one of the `threads`: it consumes, and produces while it would wait.
        for _ in 1..threads {
            scope.spawn(|| {
                loop {
                    let unit = {
                        let mut guard = lock();
                        loop {
                            if guard.stop || guard.next_claim >= units {
                                return;
                            }
                            if let Some(unit) = claim(&mut guard) {
                                break unit;
                            }
                            guard = changed.wait(guard).unwrap_or_else(PoisonError::into_inner);
                        }
                    };
                    run(unit);
                }
            });
        }
        let _stop = StopOnDrop(&state, &changed);
        for unit in 0..units {
            let result = loop {
                let mut guard = lock();
                if let Some(result) = guard.done.remove(&unit) {
                    guard.next_consume = unit + 1;
                    break result;
                }
                if let Some(mine) = claim(&mut guard) {
                    drop(guard);
                    run(mine);
                    continue;
                }
                drop(changed.wait(guard).unwrap_or_else(PoisonError::into_inner));
            };
            changed.notify_all();
            consume(unit, result?)?;
        }
        Ok(())
    })
}

/// Stops the workers when the consumer returns (or unwinds), so that the scope can join them.
struct StopOnDrop<'a, T, E>(&'a Mutex<State<T, E>>, &'a Condvar);

impl<T, E> Drop for StopOnDrop<'_, T, E> {
    fn drop(&mut self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).stop = true;
        self.1.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_arrive_in_unit_order_whatever_the_threads() {
        for threads in [1, 2, 3, 8] {
            let mut seen = Vec::new();
            let outcome: Result<(), String> = ordered(
                50,
                threads,
                |unit| {
                    // Later units finish first.
                    thread::sleep(std::time::Duration::from_micros(((50 - unit) * 20) as u64));
                    Ok(unit * 10)
                },
                |unit, value| {
                    seen.push((unit, value));
                    Ok(())
                },
            );
            assert_eq!(outcome, Ok(()));
            assert_eq!(
                seen,
                (0..50).map(|unit| (unit, unit * 10)).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn the_first_error_in_unit_order_stops_the_run() {
        for threads in [1, 2, 4] {
            let mut consumed = Vec::new();
            let outcome = ordered(
                20,
                threads,
                |unit| {
                    if unit == 7 || unit == 12 {
                        Err(unit)
                    } else {
                        Ok(unit)
                    }
                },
                |unit, _| {
                    consumed.push(unit);
                    Ok(())
                },
            );
            assert_eq!(outcome, Err(7));
            assert_eq!(consumed, (0..7).collect::<Vec<_>>());
        }
        let outcome = ordered(10, 2, Ok::<usize, usize>, |unit, _| {
            if unit == 3 { Err(100) } else { Ok(()) }
        });
        assert_eq!(outcome, Err(100));
    }

    #[test]
    fn no_units_is_no_work() {
        let outcome: Result<(), ()> = ordered(0, 4, |_| Ok(()), |_, ()| panic!("no unit"));
        assert_eq!(outcome, Ok(()));
    }
}
