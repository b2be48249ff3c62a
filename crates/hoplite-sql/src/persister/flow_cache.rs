//! An in-process cache of stored flows by id, for the seed endpoint: a flow is read far more often
//! than it changes (the UI fetches it on every render; it changes only when submitted).
//!
//! It is only correct while every write to the cached flows goes through this process, so the
//! persister enables it only when it serves the database alone (an in-memory SQLite database, or a
//! SQLite file whose instance lock it holds: see `SqlPersister::connect_serving`). PostgreSQL and
//! MySQL are shared by several instances and never use it.
//!
//! The protocol that keeps it coherent with the database:
//! - a write to a flow is bracketed by [`FlowCache::write_begins`] and the guard it returns; both
//!   ends drop the flow's entry and move the generation on, and while the write is in flight the
//!   flow is marked as being written;
//! - a lookup that misses gets a [`Ticket`] with the miss, reads the database and offers what it read
//!   with [`FlowCache::fill`], which keeps it only if no write began or ended since the ticket was
//!   taken and none is in flight for that flow.
//!
//! So an entry is always a read made while no write to that flow was in flight and after the last
//! one had committed, and the next write removes it before it starts. Absent flows are never
//! cached (a miss for a random id costs what it did before, and cannot fill memory), and the
//! cache is bounded both in flows and in bytes: a flow's size depends on what was submitted to it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use uuid::Uuid;

/// Flows kept per generation of entries: at most twice this many are held.
pub(crate) const DEFAULT_CAPACITY: usize = 4096;

/// Bytes kept per generation (as the caller weighs its entries): at most twice this much is held.
pub(crate) const DEFAULT_CAPACITY_BYTES: usize = 16 * 1024 * 1024;

pub(crate) struct FlowCache<V> {
    state: Mutex<State<V>>,
    capacity: usize,
    capacity_bytes: usize,
}

struct State<V> {
    /// Moves on whenever a write begins or ends.
    generation: u64,
    /// Flows with writes in flight, and how many.
    writing: HashMap<Uuid, u32>,
    /// Entries filled since `older` was retired; when this reaches capacity it becomes `older`
    /// and the previous `older` is dropped (oldest-first eviction without per-entry bookkeeping).
    recent: HashMap<Uuid, (Arc<V>, usize)>,
    older: HashMap<Uuid, (Arc<V>, usize)>,
    /// The summed weights of `recent`.
    recent_bytes: usize,
}

/// The generation a lookup saw before it read the database.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

impl<V> FlowCache<V> {
    /// A cache of at most `capacity` flows and `capacity_bytes` bytes per generation.
    pub(crate) fn new(capacity: usize, capacity_bytes: usize) -> FlowCache<V> {
        FlowCache {
            state: Mutex::new(State {
                generation: 0,
                writing: HashMap::new(),
                recent: HashMap::new(),
                older: HashMap::new(),
                recent_bytes: 0,
            }),
            capacity: capacity.max(1),
            capacity_bytes,
        }
    }

    fn state(&self) -> MutexGuard<'_, State<V>> {
        // Every critical section below is a few map operations that leave the state consistent
        // at each step, so a panic elsewhere while it was held cannot have broken it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached flow `id`; if there is none, the ticket to read it from the database with and
    /// hand to [`FlowCache::fill`].
    pub(crate) fn get(&self, id: Uuid) -> Result<Arc<V>, Ticket> {
        let s = self.state();
        s.recent
            .get(&id)
            .or_else(|| s.older.get(&id))
            .map(|(flow, _)| flow.clone())
            .ok_or(Ticket(s.generation))
    }

    /// A ticket as a miss hands it out.
    #[cfg(test)]
    fn ticket(&self) -> Ticket {
        Ticket(self.state().generation)
    }

    /// Offers what a lookup read, `bytes` large; kept only if no write began or ended since
    /// `ticket`, and if it is small (a sixteenth of the bytes a generation holds at most).
    pub(crate) fn fill(&self, id: Uuid, flow: Arc<V>, bytes: usize, ticket: Ticket) -> bool {
        if bytes > self.capacity_bytes / 16 {
            return false;
        }
        let mut s = self.state();
        if s.generation != ticket.0 || s.writing.contains_key(&id) {
            return false;
        }
        s.remove(id);
        if s.recent.len() >= self.capacity || s.recent_bytes + bytes > self.capacity_bytes {
            s.older = std::mem::take(&mut s.recent);
            s.recent_bytes = 0;
        }
        s.recent.insert(id, (flow, bytes));
        s.recent_bytes += bytes;
        true
    }

    /// Marks flow `id` as being written until the returned guard is dropped (after the write
    /// has committed or failed).
    pub(crate) fn write_begins(self: &Arc<Self>, id: Uuid) -> WriteGuard<V> {
        let mut s = self.state();
        s.generation += 1;
        *s.writing.entry(id).or_insert(0) += 1;
        s.remove(id);
        WriteGuard {
            cache: self.clone(),
            id,
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        let s = self.state();
        s.recent.len() + s.older.len()
    }

    #[cfg(test)]
    fn bytes(&self) -> usize {
        let s = self.state();
        s.recent_bytes + s.older.values().map(|(_, b)| b).sum::<usize>()
    }
}

impl<V> State<V> {
    /// Drops the entry for `id`, if any.
    fn remove(&mut self, id: Uuid) {
        if let Some((_, bytes)) = self.recent.remove(&id) {
            self.recent_bytes -= bytes;
        }
        self.older.remove(&id);
    }
}

/// Ends a write to one flow when dropped (see [`FlowCache::write_begins`]).
pub(crate) struct WriteGuard<V> {
    cache: Arc<FlowCache<V>>,
    id: Uuid,
}

impl<V> Drop for WriteGuard<V> {
    fn drop(&mut self) {
        let mut s = self.cache.state();
        s.generation += 1;
        if let Some(n) = s.writing.get_mut(&self.id) {
            *n -= 1;
            if *n == 0 {
                s.writing.remove(&self.id);
            }
        }
        s.remove(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> Arc<FlowCache<&'static str>> {
        Arc::new(FlowCache::new(3, 1600))
    }

    #[test]
    fn a_fill_is_served_until_the_flow_is_written() {
        let c = cache();
        let id = Uuid::new_v4();
        assert!(c.get(id).is_err());
        let t = c.ticket();
        assert!(c.fill(id, Arc::new("v1"), 10, t));
        assert_eq!(c.get(id).ok().as_deref(), Some(&"v1"));
        drop(c.write_begins(id));
        assert!(c.get(id).is_err(), "a write drops the entry");
    }

    #[test]
    fn a_read_that_overlaps_a_write_is_not_kept() {
        let c = cache();
        let id = Uuid::new_v4();
        // Read before the write began, offered after it ended.
        let t = c.ticket();
        drop(c.write_begins(id));
        assert!(!c.fill(id, Arc::new("old"), 10, t));
        // Read before the write began, offered while it is in flight.
        let t = c.ticket();
        let w = c.write_begins(id);
        assert!(!c.fill(id, Arc::new("old"), 10, t));
        // Read while the write is in flight (it may not have committed): never kept.
        let t = c.ticket();
        assert!(!c.fill(id, Arc::new("maybe"), 10, t));
        assert!(c.get(id).is_err());
        drop(w);
        // A read that starts after the write ended is kept.
        let t = c.ticket();
        assert!(c.fill(id, Arc::new("new"), 10, t));
        assert_eq!(c.get(id).ok().as_deref(), Some(&"new"));
    }

    #[test]
    fn a_flow_stays_marked_until_its_last_concurrent_write_ends() {
        let c = cache();
        let id = Uuid::new_v4();
        let a = c.write_begins(id);
        let b = c.write_begins(id);
        drop(a);
        let t = c.ticket();
        assert!(!c.fill(id, Arc::new("x"), 10, t), "b is still writing");
        drop(b);
        let t = c.ticket();
        assert!(c.fill(id, Arc::new("x"), 10, t));
    }

    #[test]
    fn a_write_to_another_flow_only_drops_reads_in_flight() {
        let c = cache();
        let (one, two) = (Uuid::new_v4(), Uuid::new_v4());
        let t = c.ticket();
        assert!(c.fill(one, Arc::new("one"), 10, t));
        drop(c.write_begins(two));
        assert_eq!(
            c.get(one).ok().as_deref(),
            Some(&"one"),
            "other entries stay"
        );
        assert!(!c.fill(two, Arc::new("two"), 10, t), "the ticket is stale");
    }

    #[test]
    fn it_holds_at_most_twice_its_capacity_and_evicts_the_oldest_first() {
        let c = cache();
        let ids: Vec<Uuid> = (0..10).map(|_| Uuid::new_v4()).collect();
        for id in &ids {
            let t = c.ticket();
            assert!(c.fill(*id, Arc::new("v"), 10, t));
            assert!(c.len() <= 6);
        }
        assert!(c.get(ids[9]).is_ok(), "the newest is kept");
        assert!(c.get(ids[0]).is_err(), "the oldest is gone");
        // Refilling an entry that is already there does not retire a generation.
        let before = c.len();
        let t = c.ticket();
        assert!(c.fill(ids[9], Arc::new("w"), 10, t));
        assert_eq!(c.len(), before);
        assert_eq!(c.get(ids[9]).ok().as_deref(), Some(&"w"));
    }

    #[test]
    fn it_holds_at_most_twice_its_bytes_and_never_a_large_flow() {
        let c: Arc<FlowCache<&str>> = Arc::new(FlowCache::new(1000, 1600));
        let t = c.ticket();
        assert!(
            !c.fill(Uuid::new_v4(), Arc::new("big"), 101, t),
            "over 1600 / 16"
        );
        assert_eq!(c.len(), 0);
        // 100 bytes each: the byte bound retires a generation long before the count bound.
        for _ in 0..100 {
            let t = c.ticket();
            assert!(c.fill(Uuid::new_v4(), Arc::new("v"), 100, t));
            assert!(c.bytes() <= 2 * 1600, "{}", c.bytes());
            assert!(c.len() <= 32);
        }
        // A write's removal gives its bytes back.
        let id = Uuid::new_v4();
        let t = c.ticket();
        assert!(c.fill(id, Arc::new("v"), 100, t));
        let before = c.bytes();
        drop(c.write_begins(id));
        assert_eq!(c.bytes(), before - 100);
    }
}
