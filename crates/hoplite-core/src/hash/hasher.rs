//! bcrypt (`$2a$`) and argon2id (`$argon2id$v=19$...`) as Kratos writes them
//! (`ory/kratos: hash/hasher_bcrypt.go`, `hash/hasher_argon2.go`), and verification of every format
//! [`super::compare`] understands, on a bounded pool of blocking threads.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use std::sync::atomic::Ordering;
use std::time::Instant;
use tokio::sync::{Semaphore, TryAcquireError};

use crate::metrics::HashingStats;

use crate::config::Hashers;

/// bcrypt only reads the first 72 bytes; Kratos refuses longer passwords instead of truncating.
pub const BCRYPT_MAX_PASSWORD_LENGTH: usize = 72;

/// Why a password could not be hashed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HashError {
    /// bcrypt refuses passwords over 72 bytes (Kratos message 4000033); carries the byte length.
    #[error("password too long: {0} bytes")]
    TooLong(usize),
    /// Every slot is busy and the queue is full: try again after this many seconds (HTTP 429).
    #[error("the password hashing queue is full")]
    Busy { retry_after_secs: u64 },
    /// Anything else: bad configuration, a malformed or unsupported stored hash, a failed worker.
    #[error("hashing failed: {0}")]
    Other(String),
}

/// The 429 a request gets when the hashing queue is full, in Kratos's error envelope. The wait
/// travels as the detail `retry_after_seconds`, which the reply also sends as `Retry-After`.
pub fn busy_error(retry_after_secs: u64) -> crate::error::ErrorObject {
    crate::error::ErrorObject::too_many_requests()
        .with_reason(
            "The server is busy hashing passwords and cannot take more right now. Please retry after the time given in the Retry-After header.",
        )
        .with_detail("retry_after_seconds", retry_after_secs)
}

/// Hashes and verifies on a bounded pool: at most `pool_size` run at once (on the pool's own
/// low-priority threads, never on the async executor), at most `queue_size` wait for a slot, and anything
/// beyond that is refused at once with [`HashError::Busy`]. A caller that goes away while waiting
/// frees its place in the queue; memory stays bounded because only running work allocates (an
/// argon2 hash holds its memory only while it runs).
pub struct PasswordHasher {
    /// The algorithm and parameters new hashes are made with (verification reads the hash instead).
    pub config: Hashers,
    /// One permit per hash or verification allowed to run at once.
    permits: Arc<Semaphore>,
    pool_size: usize,
    queue_size: usize,
    stats: Arc<HashingStats>,
    /// Hands jobs to the pool's own threads (they end when this is dropped).
    workers: std::sync::mpsc::Sender<Job>,
}

/// One hash or verification, run on a hashing thread.
type Job = Box<dyn FnOnce() + Send>;

/// Starts `n` hashing threads at the lowest scheduling priority: hashing only gets the CPU that
/// serving requests leaves, so cheap requests keep their latency while hashing saturates the
/// machine, and an idle machine still hashes at full speed.
fn start_workers(n: usize) -> std::sync::mpsc::Sender<Job> {
    let (tx, rx) = std::sync::mpsc::channel::<Job>();
    let rx = Arc::new(std::sync::Mutex::new(rx));
    // Each thread says when its priority is set, so that the pool is fully started (and every
    // thread already low-priority) when this returns.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let mut started = 0;
    for i in 0..n {
        let rx = rx.clone();
        let ready = ready_tx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("hoplite-hash-{i}"))
            .spawn(move || {
                if let Err(e) = thread_priority::set_current_thread_priority(
                    thread_priority::ThreadPriority::Min,
                ) {
                    tracing::debug!(error = ?e, "could not lower the hashing thread's priority");
                }
                let _ = ready.send(());
                drop(ready);
                loop {
                    // The lock is held only to take the next job, never while running it.
                    let next = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    match next {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
        match spawned {
            Ok(_) => started += 1,
            Err(e) => tracing::error!(error = %e, "could not start a hashing thread"),
        }
    }
    drop(ready_tx);
    for _ in 0..started {
        if ready_rx.recv().is_err() {
            break;
        }
    }
    tx
}

/// Leaves the queue when dropped, also when the waiting caller is cancelled.
struct QueuePlace<'a>(&'a HashingStats);

impl Drop for QueuePlace<'_> {
    fn drop(&mut self) {
        self.0.queued.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Counts one running job until dropped.
struct Running(Arc<HashingStats>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::Relaxed);
    }
}

impl PasswordHasher {
    /// A hasher for `config` running at most `max_concurrent` hashes or verifications at a time
    /// (at least one, so that a zero can never block every caller forever), with a queue as long
    /// as anyone wants.
    pub fn new(config: Hashers, max_concurrent: usize) -> Self {
        Self::with_limits(config, max_concurrent, usize::MAX, Arc::default())
    }

    /// A hasher with a bounded queue that records into `stats`.
    pub fn with_limits(
        config: Hashers,
        pool_size: usize,
        queue_size: usize,
        stats: Arc<HashingStats>,
    ) -> Self {
        let pool_size = pool_size.max(1);
        PasswordHasher {
            config,
            permits: Arc::new(Semaphore::new(pool_size)),
            pool_size,
            queue_size,
            stats,
            workers: start_workers(pool_size),
        }
    }

    /// The numbers this hasher records.
    pub fn stats(&self) -> Arc<HashingStats> {
        self.stats.clone()
    }

    /// Hashes `password` off the async executor; waits for a free slot.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let config = self.config.clone();
        let out = self
            .run_blocking(move || hash_now(&config, password.as_bytes()))
            .await;
        if out.is_ok() {
            self.stats.hashes.fetch_add(1, Ordering::Relaxed);
        }
        out
    }

    /// Verifies `password` against a stored hash in any format [`super::compare::verify`] knows,
    /// off the executor.
    ///
    /// `Ok(false)` means a well-formed hash that does not match; an unknown or malformed hash, or
    /// one with cost parameters beyond the bounds, is an error.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, HashError> {
        let out = self
            .run_blocking(move || verify_now(password.as_bytes(), &hash))
            .await;
        if !matches!(out, Err(HashError::Busy { .. })) {
            self.stats.verifications.fetch_add(1, Ordering::Relaxed);
        }
        out
    }

    /// How long a caller refused now should wait: the queue ahead of it divided among the slots,
    /// at the mean time one job takes; at least one second.
    fn retry_after(&self) -> u64 {
        let mean = self
            .stats
            .work
            .mean()
            .unwrap_or(std::time::Duration::from_millis(250));
        let ahead = self.stats.queued.load(Ordering::Relaxed) as f64 + self.pool_size as f64;
        let secs = (ahead * mean.as_secs_f64() / self.pool_size as f64).ceil() as u64;
        secs.clamp(1, 3600)
    }

    /// Runs `work` on the blocking pool once a permit is free, or refuses at once when the queue
    /// is full. The permit is taken before spawning, so a caller dropped while queued frees its
    /// place at once; once spawned, the work keeps the permit until it finishes even if the caller
    /// goes away, which is what bounds the CPU use.
    async fn run_blocking<T, F>(&self, work: F) -> Result<T, HashError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, HashError> + Send + 'static,
    {
        let closed = || HashError::Other("password hasher is shut down".to_owned());
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(p) => p,
            Err(TryAcquireError::Closed) => return Err(closed()),
            Err(TryAcquireError::NoPermits) => {
                let before = self.stats.queued.fetch_add(1, Ordering::Relaxed);
                let place = QueuePlace(&self.stats);
                if before as usize >= self.queue_size {
                    drop(place);
                    self.stats.rejected.fetch_add(1, Ordering::Relaxed);
                    return Err(HashError::Busy {
                        retry_after_secs: self.retry_after(),
                    });
                }
                let started = Instant::now();
                let permit = Arc::clone(&self.permits)
                    .acquire_owned()
                    .await
                    .map_err(|_| closed())?;
                drop(place);
                self.stats.wait.observe(started.elapsed());
                permit
            }
        };
        self.stats.running.fetch_add(1, Ordering::Relaxed);
        let running = Running(self.stats.clone());
        let stats = self.stats.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let started = Instant::now();
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .unwrap_or_else(|_| Err(HashError::Other("a hashing job panicked".into())));
            stats.work.observe(started.elapsed());
            // The slot is free before the caller hears back, so the numbers it reads are settled.
            drop(running);
            drop(permit);
            let _ = tx.send(out);
        });
        self.workers
            .send(job)
            .map_err(|_| HashError::Other("the hashing threads are gone".into()))?;
        rx.await
            .map_err(|_| HashError::Other("a hashing job was dropped".into()))?
    }
}

/// Hashes synchronously with the configured algorithm.
fn hash_now(config: &Hashers, password: &[u8]) -> Result<String, HashError> {
    match *config {
        Hashers::Bcrypt { cost } => bcrypt_hash(password, cost),
        Hashers::Argon2 {
            memory_kib,
            iterations,
            parallelism,
            salt_length,
            key_length,
        } => argon2id_hash(
            password,
            memory_kib,
            iterations,
            parallelism,
            salt_length,
            key_length,
        ),
    }
}

fn bcrypt_hash(password: &[u8], cost: u32) -> Result<String, HashError> {
    check_bcrypt_length(password)?;
    // The length check above means the truncating variant never truncates. The crate's
    // `non_truncating_*` functions cannot be used: they also refuse exactly 72 bytes, which Go's
    // bcrypt (and so Kratos) accepts.
    let parts =
        bcrypt::hash_with_result(password, cost).map_err(|e| HashError::Other(e.to_string()))?;
    // Go's x/crypto/bcrypt always writes the `$2a$` prefix; the crate defaults to `$2b$`.
    Ok(parts.format_for_version(bcrypt::Version::TwoA))
}

pub(super) fn check_bcrypt_length(password: &[u8]) -> Result<(), HashError> {
    if password.len() > BCRYPT_MAX_PASSWORD_LENGTH {
        return Err(HashError::TooLong(password.len()));
    }
    Ok(())
}

fn argon2id_hash(
    password: &[u8],
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt_length: u32,
    key_length: u32,
) -> Result<String, HashError> {
    let mut salt = vec![0u8; salt_length as usize];
    rand::fill(&mut salt[..]);
    let key = argon2_key(
        Algorithm::Argon2id,
        password,
        &salt,
        memory_kib,
        iterations,
        parallelism,
        key_length,
    )?;
    Ok(format!(
        "$argon2id$v=19$m={memory_kib},t={iterations},p={parallelism}${}${}",
        STANDARD_NO_PAD.encode(&salt),
        STANDARD_NO_PAD.encode(&key)
    ))
}

pub(super) fn argon2_key(
    algorithm: Algorithm,
    password: &[u8],
    salt: &[u8],
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    key_length: u32,
) -> Result<Vec<u8>, HashError> {
    let params = Params::new(
        memory_kib,
        iterations,
        parallelism,
        Some(key_length as usize),
    )
    .map_err(|e| HashError::Other(format!("invalid argon2 parameters: {e}")))?;
    let mut key = vec![0u8; key_length as usize];
    Argon2::new(algorithm, Version::V0x13, params)
        .hash_password_into(password, salt, &mut key)
        .map_err(|e| HashError::Other(format!("argon2 failed: {e}")))?;
    Ok(key)
}

/// The raw hash rate of `config` on `threads` threads for about `duration`: how many hashes were
/// made and how long it took. This is the ceiling a server hashing with `config` can reach (the
/// benchmark suite divides the registration rate by it); it uses plain threads, not the pool.
pub fn measure_hash_rate(
    config: &Hashers,
    threads: usize,
    duration: std::time::Duration,
) -> Result<(u64, std::time::Duration), HashError> {
    let started = Instant::now();
    let done = std::sync::atomic::AtomicU64::new(0);
    let failed = std::sync::Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                while started.elapsed() < duration {
                    match hash_now(config, b"benchmark password 1234") {
                        Ok(_) => {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            *failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    Ok((done.into_inner(), started.elapsed()))
}

/// Verifies synchronously; the format is recognised from the stored hash.
fn verify_now(password: &[u8], hash: &str) -> Result<bool, HashError> {
    super::compare::verify(password, hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn bcrypt4() -> PasswordHasher {
        PasswordHasher::new(Hashers::Bcrypt { cost: 4 }, 4)
    }

    fn tiny_argon2() -> PasswordHasher {
        PasswordHasher::new(
            Hashers::Argon2 {
                memory_kib: 64,
                iterations: 1,
                parallelism: 2,
                salt_length: 16,
                key_length: 32,
            },
            4,
        )
    }

    const BCRYPT_ALPHABET: &str =
        "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    #[tokio::test]
    async fn bcrypt_hash_has_kratos_2a_format() {
        let hash = bcrypt4()
            .hash("correct horse battery".into())
            .await
            .unwrap();
        assert_eq!(hash.len(), 60);
        assert!(hash.starts_with("$2a$04$"), "{hash}");
        assert!(
            hash[7..].chars().all(|c| BCRYPT_ALPHABET.contains(c)),
            "{hash}"
        );
    }

    #[tokio::test]
    async fn bcrypt_round_trip() {
        let h = bcrypt4();
        let hash = h.hash("correct horse battery".into()).await.unwrap();
        assert!(
            h.verify("correct horse battery".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(
            !h.verify("correct horse batterz".into(), hash)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn bcrypt_rejects_over_72_bytes_without_truncating() {
        let h = bcrypt4();
        assert_eq!(h.hash("a".repeat(73)).await, Err(HashError::TooLong(73)));
        // Bytes, not characters: 37 two-byte characters are 74 bytes.
        assert_eq!(h.hash("é".repeat(37)).await, Err(HashError::TooLong(74)));
        // Exactly 72 bytes is accepted, as by Go's bcrypt.
        let hash = h.hash("a".repeat(72)).await.unwrap();
        assert!(h.verify("a".repeat(72), hash.clone()).await.unwrap());
        // Verification also refuses rather than comparing the first 72 bytes.
        assert_eq!(
            h.verify("a".repeat(73), hash).await,
            Err(HashError::TooLong(73))
        );
    }

    #[tokio::test]
    async fn known_bcrypt_vectors_verify() {
        let h = bcrypt4();
        // OpenBSD / Openwall test vector.
        let v = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
        assert!(h.verify("U*U".into(), v.into()).await.unwrap());
        assert!(!h.verify("U*V".into(), v.into()).await.unwrap());
        // The same hash under the `$2b$` and `$2y$` prefixes.
        for prefix in ["$2b$", "$2y$"] {
            let other = format!("{prefix}{}", &v[4..]);
            assert!(h.verify("U*U".into(), other).await.unwrap());
        }
    }

    #[tokio::test]
    async fn bcrypt_verify_refuses_cost_above_kratos_bound() {
        let hash = "$2a$16$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
        assert!(matches!(
            bcrypt4().verify("U*U".into(), hash.into()).await,
            Err(HashError::Other(_))
        ));
    }

    #[tokio::test]
    async fn argon2id_hash_embeds_configured_parameters() {
        let hash = tiny_argon2()
            .hash("correct horse battery".into())
            .await
            .unwrap();
        let rest = hash
            .strip_prefix("$argon2id$v=19$m=64,t=1,p=2$")
            .expect(&hash);
        let (salt, key) = rest.split_once('$').unwrap();
        let b64 = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
        };
        assert!(b64(salt) && b64(key), "{hash}");
        assert_eq!(STANDARD_NO_PAD.decode(salt).unwrap().len(), 16);
        assert_eq!(STANDARD_NO_PAD.decode(key).unwrap().len(), 32);
    }

    #[tokio::test]
    async fn argon2id_honours_salt_and_key_length() {
        let h = PasswordHasher::new(
            Hashers::Argon2 {
                memory_kib: 32,
                iterations: 2,
                parallelism: 1,
                salt_length: 8,
                key_length: 20,
            },
            1,
        );
        let hash = h.hash("pw".into()).await.unwrap();
        let parts: Vec<&str> = hash.split('$').collect();
        assert_eq!(parts[3], "m=32,t=2,p=1");
        assert_eq!(STANDARD_NO_PAD.decode(parts[4]).unwrap().len(), 8);
        assert_eq!(STANDARD_NO_PAD.decode(parts[5]).unwrap().len(), 20);
        assert!(h.verify("pw".into(), hash).await.unwrap());
    }

    #[tokio::test]
    async fn argon2id_round_trip_and_long_passwords() {
        let h = tiny_argon2();
        let hash = h.hash("correct horse battery".into()).await.unwrap();
        assert!(
            h.verify("correct horse battery".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(
            !h.verify("Correct horse battery".into(), hash)
                .await
                .unwrap()
        );
        // argon2 has no 72-byte limit.
        let long = "x".repeat(200);
        let hash = h.hash(long.clone()).await.unwrap();
        assert!(h.verify(long, hash).await.unwrap());
    }

    #[tokio::test]
    async fn verify_uses_parameters_from_the_hash_not_the_config() {
        let hash = tiny_argon2().hash("pw-12345".into()).await.unwrap();
        // A bcrypt-configured hasher still verifies argon2 hashes, and vice versa.
        assert!(bcrypt4().verify("pw-12345".into(), hash).await.unwrap());
        let hash = bcrypt4().hash("pw-12345".into()).await.unwrap();
        assert!(tiny_argon2().verify("pw-12345".into(), hash).await.unwrap());
    }

    #[tokio::test]
    async fn known_argon2_vectors_verify() {
        let h = bcrypt4();
        // Reference-implementation test vectors (password "password", salt "somesalt").
        let id =
            "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc";
        let i =
            "$argon2i$v=19$m=256,t=2,p=2$c29tZXNhbHQ$T/XOJ2mh1/TIpJHfCdQan76Q5esCFVoT5MAeIM1Oq2E";
        assert!(h.verify("password".into(), id.into()).await.unwrap());
        assert!(!h.verify("passwore".into(), id.into()).await.unwrap());
        assert!(h.verify("password".into(), i.into()).await.unwrap());
    }

    #[tokio::test]
    async fn verify_rejects_unknown_and_malformed_hashes() {
        let h = bcrypt4();
        for bad in [
            "",
            "plain",
            "$pbkdf2-md5$i=1,l=32$c2FsdA$a2V5",
            "$argon2id$v=19$m=64,t=1,p=2$c29tZXNhbHQ",
            "$argon2id$v=16$m=64,t=1,p=2$c29tZXNhbHQ$a2V5a2V5",
            "$argon2id$v=19$m=64,t=1,p=2$c29tZXNhbHQ=$a2V5a2V5",
            "$argon2id$v=19$m=2097152,t=1,p=2$c29tZXNhbHQ$a2V5a2V5",
            "$2a$04$short",
        ] {
            assert!(
                matches!(
                    h.verify("pw".into(), bad.into()).await,
                    Err(HashError::Other(_))
                ),
                "{bad}"
            );
        }
    }

    /// Counts how many closures run at the same time.
    #[derive(Default)]
    struct Overlap {
        running: AtomicUsize,
        max_seen: AtomicUsize,
        done: AtomicUsize,
    }

    impl Overlap {
        fn enter(&self) {
            let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_seen.fetch_max(now, Ordering::SeqCst);
        }
        fn leave(&self) {
            self.running.fetch_sub(1, Ordering::SeqCst);
            self.done.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn one_permit_means_no_two_hashes_overlap() {
        let h = Arc::new(PasswordHasher::new(Hashers::Bcrypt { cost: 4 }, 1));
        let overlap = Arc::new(Overlap::default());
        let mut tasks = Vec::new();
        for n in 0..6 {
            let (h, overlap) = (Arc::clone(&h), Arc::clone(&overlap));
            tasks.push(tokio::spawn(async move {
                h.run_blocking(move || {
                    overlap.enter();
                    // Real work gives the others every chance to start alongside, if they could.
                    let r = hash_now(&Hashers::Bcrypt { cost: 6 }, format!("pw{n}").as_bytes());
                    overlap.leave();
                    r
                })
                .await
            }));
        }
        for t in tasks {
            assert!(t.await.unwrap().unwrap().starts_with("$2a$06$"));
        }
        assert_eq!(overlap.done.load(Ordering::SeqCst), 6);
        assert_eq!(overlap.max_seen.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_permits_let_two_hashes_run_together() {
        // Both closures wait on a barrier for two: this only finishes if both run at once.
        let h = Arc::new(PasswordHasher::new(Hashers::Bcrypt { cost: 4 }, 2));
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let run = |h: Arc<PasswordHasher>, b: Arc<std::sync::Barrier>| async move {
            h.run_blocking(move || {
                b.wait();
                Ok(())
            })
            .await
        };
        let (a, b) = tokio::join!(run(Arc::clone(&h), Arc::clone(&barrier)), run(h, barrier));
        a.unwrap();
        b.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hash_waits_for_a_permit_and_a_dropped_waiter_frees_its_place() {
        let h = Arc::new(PasswordHasher::new(Hashers::Bcrypt { cost: 4 }, 1));
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
        // Occupy the only permit until told to stop.
        let holder = {
            let h = Arc::clone(&h);
            tokio::spawn(async move {
                h.run_blocking(move || {
                    started_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                    Ok(())
                })
                .await
            })
        };
        started_rx.await.unwrap();
        assert_eq!(h.permits.available_permits(), 0);

        // A hash that is polled once (it queues for the permit) and then dropped.
        let waiting = h.hash("pw".into());
        tokio::select! {
            biased;
            _ = waiting => panic!("hash ran without a permit"),
            _ = std::future::ready(()) => {}
        }

        release_tx.send(()).unwrap();
        holder.await.unwrap().unwrap();
        assert_eq!(h.permits.available_permits(), 1);
        // The dropped waiter did not keep the place: a new hash gets it.
        assert!(h.hash("pw".into()).await.unwrap().starts_with("$2a$04$"));
        assert_eq!(h.permits.available_permits(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_refuses_at_once_and_a_cancelled_waiter_frees_its_place() {
        // One slot, room for one waiter. A slow hash (argon2 with more memory) holds the slot.
        let slow = Hashers::Argon2 {
            memory_kib: 32 * 1024,
            iterations: 3,
            parallelism: 1,
            salt_length: 16,
            key_length: 32,
        };
        let stats: Arc<HashingStats> = Arc::default();
        let h = Arc::new(PasswordHasher::with_limits(slow, 1, 1, stats.clone()));
        let running = tokio::spawn({
            let h = h.clone();
            async move { h.hash("a".into()).await }
        });
        while stats.running.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        // The waiter takes the one queue place...
        let waiter = tokio::spawn({
            let h = h.clone();
            async move { h.hash("b".into()).await }
        });
        while stats.queued.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        // ...so the next one is refused at once, with a wait of at least a second.
        match h.hash("c".into()).await {
            Err(HashError::Busy { retry_after_secs }) => assert!(retry_after_secs >= 1),
            other => panic!("expected Busy, got {other:?}"),
        }
        assert_eq!(stats.rejected.load(Ordering::SeqCst), 1);
        // A waiter that goes away frees its place: the next one queues instead of being refused.
        waiter.abort();
        let _ = waiter.await;
        assert_eq!(stats.queued.load(Ordering::SeqCst), 0);
        let next = tokio::spawn({
            let h = h.clone();
            async move { h.hash("d".into()).await }
        });
        assert!(running.await.unwrap().is_ok());
        assert!(next.await.unwrap().is_ok());
        assert_eq!(stats.rejected.load(Ordering::SeqCst), 1);
        assert_eq!(stats.hashes.load(Ordering::SeqCst), 2);
        assert_eq!(stats.work.count(), 2);
        assert_eq!(stats.running.load(Ordering::SeqCst), 0);
    }

    /// The hashing threads run at a lower priority than the rest of the process (nice > 0).
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_run_at_low_priority() {
        let h = bcrypt4();
        h.hash("x".into()).await.unwrap();
        let mut seen = 0;
        for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            if !comm.starts_with("hoplite-hash-") {
                continue;
            }
            let stat = std::fs::read_to_string(task.path().join("stat")).unwrap();
            // Fields after the parenthesised name; `nice` is field 19 of the whole line.
            let rest = &stat[stat.rfind(')').unwrap() + 2..];
            let nice: i64 = rest.split(' ').nth(16).unwrap().parse().unwrap();
            // Other tests start pools in parallel, and a thread of theirs may be caught between
            // taking its name and lowering its priority; this pool's threads are all lowered
            // before `bcrypt4()` returns, so at least its four are counted.
            if nice > 0 {
                seen += 1;
            }
        }
        assert!(seen >= 4, "the pool's low-priority threads exist ({seen})");
    }

    #[tokio::test]
    async fn verification_is_counted_even_for_a_wrong_password() {
        let h = bcrypt4();
        let hash = h.hash("right".into()).await.unwrap();
        assert!(!h.verify("wrong".into(), hash).await.unwrap());
        assert_eq!(h.stats().verifications.load(Ordering::SeqCst), 1);
        assert_eq!(h.stats().hashes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn the_raw_hash_rate_counts_hashes_on_every_thread() {
        let (hashes, took) = measure_hash_rate(
            &Hashers::Bcrypt { cost: 4 },
            2,
            std::time::Duration::from_millis(100),
        )
        .unwrap();
        assert!(hashes >= 2, "each thread hashes at least once: {hashes}");
        assert!(took >= std::time::Duration::from_millis(100));
        // A cost the bcrypt crate refuses is reported, not counted as zero hashes.
        assert!(
            measure_hash_rate(
                &Hashers::Bcrypt { cost: 99 },
                1,
                std::time::Duration::from_millis(10)
            )
            .is_err()
        );
    }

    #[test]
    fn zero_concurrency_is_raised_to_one() {
        let h = PasswordHasher::new(Hashers::Bcrypt { cost: 4 }, 0);
        assert_eq!(h.permits.available_permits(), 1);
    }
}
