//! Active speaker (người đang nói): picked from the audio level each
//! participant's browser puts in every audio packet (RFC 6464, `-dBov`,
//! 0 loudest, -127 silence). Pure: the caller passes the time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Below this smoothed level (dBov) a participant counts as silent.
pub const SILENCE_DBOV: f32 = -50.0;
/// A challenger must be this much louder (dB) than the current speaker.
pub const MARGIN_DB: f32 = 6.0;
/// ... and stay the loudest this long before the view switches.
pub const HOLD: Duration = Duration::from_millis(500);
/// A participant with no audio for this long is silent.
pub const STALE: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug)]
struct Level {
    smoothed: f32,
    last: Instant,
}

/// Follows audio levels and names who is speaking, with hysteresis so the
/// speaker view does not flicker between two voices.
#[derive(Debug, Default)]
pub struct SpeakerDetector {
    levels: HashMap<u64, Level>,
    current: Option<u64>,
    /// The loudest challenger and since when it has been the loudest.
    challenger: Option<(u64, Instant)>,
}

impl SpeakerDetector {
    /// A new detector with no one speaking.
    pub fn new() -> Self {
        Self::default()
    }

    /// One audio level from `peer`, as carried by the RTP extension
    /// (`-127..=0`; positive values are clamped to 0).
    pub fn observe(&mut self, peer: u64, level_dbov: i8, now: Instant) {
        let level = f32::from(level_dbov.min(0));
        let entry = self.levels.entry(peer).or_insert(Level {
            smoothed: -127.0,
            last: now,
        });
        // About 20 packets (400 ms of Opus) to follow a change.
        entry.smoothed = 0.9 * entry.smoothed + 0.1 * level;
        entry.last = now;
    }

    /// `peer` left: it can no longer be the speaker.
    pub fn forget(&mut self, peer: u64) {
        self.levels.remove(&peer);
        if self.current == Some(peer) {
            self.current = None;
        }
        if self.challenger.map(|(p, _)| p) == Some(peer) {
            self.challenger = None;
        }
    }

    /// Who speaks now.
    pub fn current(&self) -> Option<u64> {
        self.current
    }

    fn loudness(&self, peer: u64, now: Instant) -> Option<f32> {
        self.levels
            .get(&peer)
            .filter(|l| now.saturating_duration_since(l.last) < STALE)
            .map(|l| l.smoothed)
            .filter(|s| *s >= SILENCE_DBOV)
    }

    /// Re-evaluates at `now`; returns the new speaker when it changed.
    /// Silence keeps the last speaker on screen.
    pub fn tick(&mut self, now: Instant) -> Option<u64> {
        let loudest = self
            .levels
            .keys()
            .filter_map(|p| self.loudness(*p, now).map(|l| (*p, l)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        let Some((best, best_level)) = loudest else {
            self.challenger = None;
            return None;
        };
        if Some(best) == self.current {
            self.challenger = None;
            return None;
        }
        let beats_current = match self.current.and_then(|c| self.loudness(c, now)) {
            None => true,
            Some(current_level) => best_level >= current_level + MARGIN_DB,
        };
        if !beats_current {
            self.challenger = None;
            return None;
        }
        match self.challenger {
            Some((p, since)) if p == best => {
                if now.saturating_duration_since(since) >= HOLD {
                    self.current = Some(best);
                    self.challenger = None;
                    Some(best)
                } else {
                    None
                }
            }
            _ => {
                self.challenger = Some((best, now));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `peer` at `level` every 20 ms for `ms` milliseconds from `t`,
    /// ticking after each packet; returns the end time and every change.
    fn talk(
        d: &mut SpeakerDetector,
        voices: &[(u64, i8)],
        t: Instant,
        ms: u64,
    ) -> (Instant, Vec<u64>) {
        let mut changes = vec![];
        let mut now = t;
        for _ in 0..ms / 20 {
            now += Duration::from_millis(20);
            for (peer, level) in voices {
                d.observe(*peer, *level, now);
            }
            if let Some(p) = d.tick(now) {
                changes.push(p);
            }
        }
        (now, changes)
    }

    #[test]
    fn a_lone_voice_becomes_the_speaker_after_the_hold() {
        let mut d = SpeakerDetector::new();
        let t0 = Instant::now();
        let (t, changes) = talk(&mut d, &[(1, -20)], t0, 300);
        assert!(changes.is_empty(), "not before the hold: {changes:?}");
        let (_, changes) = talk(&mut d, &[(1, -20)], t, 1000);
        assert_eq!(changes, vec![1]);
        assert_eq!(d.current(), Some(1));
    }

    #[test]
    fn silence_never_makes_a_speaker() {
        let mut d = SpeakerDetector::new();
        let (_, changes) = talk(&mut d, &[(1, -90), (2, -127)], Instant::now(), 3000);
        assert!(changes.is_empty());
        assert_eq!(d.current(), None);
    }

    #[test]
    fn a_slightly_louder_voice_does_not_take_over() {
        let mut d = SpeakerDetector::new();
        let (t, _) = talk(&mut d, &[(1, -30)], Instant::now(), 2000);
        assert_eq!(d.current(), Some(1));
        let (_, changes) = talk(&mut d, &[(1, -30), (2, -27)], t, 3000);
        assert!(changes.is_empty(), "3 dB is within the margin: {changes:?}");
    }

    #[test]
    fn a_clearly_louder_voice_takes_over_and_silence_keeps_the_last() {
        let mut d = SpeakerDetector::new();
        let (t, _) = talk(&mut d, &[(1, -40)], Instant::now(), 2000);
        let (t, changes) = talk(&mut d, &[(1, -40), (2, -15)], t, 3000);
        assert_eq!(changes, vec![2]);
        let (_, changes) = talk(&mut d, &[(1, -127), (2, -127)], t, 3000);
        assert!(changes.is_empty());
        assert_eq!(d.current(), Some(2));
    }

    #[test]
    fn when_the_speaker_stops_sending_another_voice_takes_over() {
        let mut d = SpeakerDetector::new();
        let (t, _) = talk(&mut d, &[(1, -10)], Instant::now(), 2000);
        // Peer 1 goes quiet on the wire (muted: no packets), peer 2 talks softly.
        let (_, changes) = talk(&mut d, &[(2, -45)], t, 4000);
        assert_eq!(changes, vec![2]);
    }

    #[test]
    fn a_peer_that_leaves_is_forgotten() {
        let mut d = SpeakerDetector::new();
        let (_, _) = talk(&mut d, &[(7, -10)], Instant::now(), 2000);
        assert_eq!(d.current(), Some(7));
        d.forget(7);
        assert_eq!(d.current(), None);
    }
}
