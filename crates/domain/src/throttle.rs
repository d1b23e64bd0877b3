//! Sign-in throttling: how many failures lock an account name or an address,
//! and for how long. The store counts failures; this decides.

use time::Duration;

/// The policy in force; defaults suit a council's staff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// The window failures are counted in.
    pub window: Duration,
    /// Failures for one account name within the window before it locks.
    pub per_account: u32,
    /// Failures from one address within the window before it locks.
    pub per_address: u32,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window: Duration::minutes(15),
            per_account: 5,
            per_address: 30,
        }
    }
}

/// Whether a sign-in attempt may go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password.
    Allow,
    /// Refuse without checking; the same answer whether or not the account exists.
    Locked,
}

impl ThrottlePolicy {
    /// Decides from the failures counted in the window.
    pub fn decide(&self, account_failures: u32, address_failures: u32) -> Verdict {
        if account_failures >= self.per_account || address_failures >= self.per_address {
            Verdict::Locked
        } else {
            Verdict::Allow
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_at_the_limit_not_before() {
        let p = ThrottlePolicy::default();
        assert_eq!(p.decide(4, 0), Verdict::Allow);
        assert_eq!(p.decide(5, 0), Verdict::Locked);
        assert_eq!(p.decide(0, 29), Verdict::Allow);
        assert_eq!(p.decide(0, 30), Verdict::Locked);
    }
}
