//! One sign-in attempt at a time per account name, so that concurrent
//! guesses cannot all be checked before the first failures are counted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

/// Locks keyed by account name; entries go away when no one holds them.
#[derive(Default)]
pub struct LoginGate {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Held while an attempt for one account runs.
pub struct Pass {
    _guard: OwnedMutexGuard<()>,
}

impl LoginGate {
    /// Waits until no other attempt for `key` runs, then holds it.
    pub async fn enter(&self, key: &str) -> Pass {
        let lock = {
            let mut map = self.locks.lock().unwrap_or_else(|e| e.into_inner());
            // Forget locks nobody holds or waits for, so the map stays small.
            map.retain(|_, l| Arc::strong_count(l) > 1);
            map.entry(key.to_owned()).or_default().clone()
        };
        Pass {
            _guard: lock.lock_owned().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn attempts_for_one_account_wait_for_each_other() {
        let gate = Arc::new(LoginGate::default());
        let first = gate.enter("u:chutich").await;
        let g = gate.clone();
        let second = tokio::spawn(async move { g.enter("u:chutich").await });
        tokio::task::yield_now().await;
        assert!(!second.is_finished(), "the second attempt waits");
        let _other = gate.enter("u:daibieu").await; // another account does not
        drop(first);
        second.await.unwrap();
    }
}
