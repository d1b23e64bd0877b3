//! Online meeting rooms (phòng họp trực tuyến): the media engine (the
//! embedded SFU, or LiveKit), the people in each room, and the signalling
//! messages the room page exchanges with the server over WebSocket.
//!
//! A room lives in memory while people are in it; what must outlast it
//! (the meeting, its invitations, who joined when) is in the store.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use nghitruong_domain::meeting::RoomRole;
use nghitruong_meet::livekit::LiveKitConfig;
use nghitruong_meet::{FromSfu, Layer, PeerId, Sfu, SfuConfig, SfuError};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::UnboundedSender;

/// Which media engine carries the meetings.
#[derive(Clone, Debug)]
pub enum MeetEngine {
    /// The SFU inside this server (the default; no external service).
    Embedded {
        /// The UDP socket's address.
        bind: SocketAddr,
        /// The address put in ICE candidates behind NAT.
        public_ip: Option<IpAddr>,
    },
    /// A LiveKit server: we issue access tokens and the browser joins there.
    LiveKit(LiveKitConfig),
}

impl Default for MeetEngine {
    fn default() -> Self {
        // Loopback and a free port: safe for a trial on one machine; a
        // deployment sets the bind address, port and public address.
        MeetEngine::Embedded {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_ip: None,
        }
    }
}

/// A participant as the room list shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Participant {
    /// Connection id (the SFU peer).
    pub peer: u64,
    /// Account.
    #[serde(skip)]
    pub user_id: i64,
    /// Name shown.
    pub name: String,
    /// Điều hành, tham dự or theo dõi.
    pub role: RoomRole,
    /// Let in from the lobby.
    pub admitted: bool,
    /// Microphone on.
    pub audio: bool,
    /// Camera on.
    pub video: bool,
    /// Sharing a screen.
    pub screen: bool,
    /// Hand raised.
    pub hand: bool,
    /// Muted by the moderator: the SFU drops their audio.
    pub silenced: bool,
}

/// What the browser sends.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// The first offer of the peer connection (after admission).
    Offer {
        /// SDP text.
        sdp: String,
    },
    /// The answer to an offer from the server.
    Answer {
        /// SDP text.
        sdp: String,
    },
    /// Which layer of `peer`'s video to receive.
    Layer {
        /// The publisher.
        peer: u64,
        /// The layer.
        layer: Layer,
    },
    /// Microphone, camera and screen state.
    Media {
        /// Microphone on.
        audio: bool,
        /// Camera on.
        video: bool,
        /// Sharing a screen.
        screen: bool,
    },
    /// Raise or lower the hand.
    Hand {
        /// Raised.
        up: bool,
    },
    /// A chat line.
    Chat {
        /// Text.
        text: String,
    },
    /// Moderator: let `peer` in.
    Admit {
        /// Who.
        peer: u64,
    },
    /// Moderator: mute `peer` (or give them the floor again).
    Silence {
        /// Who.
        peer: u64,
        /// Muted.
        silenced: bool,
    },
    /// Moderator: send `peer` out.
    Remove {
        /// Who.
        peer: u64,
    },
    /// Moderator: end the meeting for everyone.
    End,
}

/// What the server sends.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// Sent first: who you are here.
    Hello {
        /// Your connection id.
        peer: u64,
        /// Your part.
        role: RoomRole,
        /// Let in already (moderators are).
        admitted: bool,
        /// `embedded` or `livekit`.
        engine: &'static str,
    },
    /// You were let in: start media.
    Admitted {
        /// For LiveKit mode: where to join and with which token.
        livekit: Option<LiveKitJoin>,
    },
    /// SDP answer from the SFU.
    Answer {
        /// SDP text.
        sdp: String,
    },
    /// SDP offer from the SFU (others' tracks added or removed).
    Offer {
        /// SDP text.
        sdp: String,
    },
    /// Who is in the room (moderators also see the lobby).
    Participants {
        /// The list.
        list: Vec<Participant>,
    },
    /// The active speaker.
    Speaker {
        /// Their connection id.
        peer: u64,
    },
    /// A chat line.
    Chat {
        /// Sender's connection id.
        peer: u64,
        /// Sender's name.
        name: String,
        /// Text.
        text: String,
        /// Local time (HH:MM).
        at: String,
    },
    /// The moderator muted you, or gave you the floor again.
    Silenced {
        /// Muted.
        silenced: bool,
    },
    /// You were sent out.
    Removed,
    /// The meeting ended.
    Ended,
    /// Something went wrong; the message is for the person.
    Error {
        /// Vietnamese text.
        message: String,
    },
}

/// Where a LiveKit client connects, and its token.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LiveKitJoin {
    /// The LiveKit server URL.
    pub url: String,
    /// The room (`hop-<id>`).
    pub room: String,
    /// The access token.
    pub token: String,
}

/// One connection in a room.
struct Member {
    participant: Participant,
    out: UnboundedSender<ServerMessage>,
}

/// The people in one meeting's room, in order of arrival.
#[derive(Default)]
struct Room {
    members: BTreeMap<u64, Member>,
    /// Accounts let in once: they come back without waiting again (after
    /// a dropped network, or on a second device) until removed.
    admitted_users: std::collections::HashSet<i64>,
}

/// The meeting rooms of this server and their media engine.
pub struct MeetService {
    engine: MeetEngine,
    sfu: OnceLock<Result<Arc<Sfu>, String>>,
    rooms: Mutex<HashMap<i64, Room>>,
    next_peer: AtomicU64,
}

impl std::fmt::Debug for MeetService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeetService")
            .field("engine", &self.engine)
            .finish()
    }
}

impl MeetService {
    /// Rooms over `engine`; the embedded SFU starts with the first join.
    pub fn new(engine: MeetEngine) -> Self {
        Self {
            engine,
            sfu: OnceLock::new(),
            rooms: Mutex::new(HashMap::new()),
            next_peer: AtomicU64::new(1),
        }
    }

    /// The engine.
    pub fn engine(&self) -> &MeetEngine {
        &self.engine
    }

    /// The embedded SFU, started on first use; `None` in LiveKit mode.
    pub fn sfu(&self) -> Option<Result<Arc<Sfu>, String>> {
        let MeetEngine::Embedded { bind, public_ip } = &self.engine else {
            return None;
        };
        Some(
            self.sfu
                .get_or_init(|| {
                    Sfu::start(&SfuConfig {
                        bind: *bind,
                        public_ip: *public_ip,
                    })
                    .map(Arc::new)
                    .map_err(|e: SfuError| {
                        tracing::error!(error = %e, "could not start the SFU");
                        e.to_string()
                    })
                })
                .clone(),
        )
    }

    /// A connection id, unique in this server (the SFU's own in embedded mode).
    pub fn new_peer(&self) -> u64 {
        match self.sfu() {
            Some(Ok(sfu)) => sfu.new_peer().0,
            _ => self.next_peer.fetch_add(1, Ordering::Relaxed),
        }
    }

    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Room>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Puts a connection in the room and tells everyone; returns whether
    /// it is let in (moderators, and accounts let in before).
    pub fn enter(
        &self,
        meeting: i64,
        mut participant: Participant,
        out: UnboundedSender<ServerMessage>,
    ) -> bool {
        let mut rooms = self.rooms();
        let room = rooms.entry(meeting).or_default();
        if room.admitted_users.contains(&participant.user_id) {
            participant.admitted = true;
        }
        if participant.admitted {
            room.admitted_users.insert(participant.user_id);
        }
        let admitted = participant.admitted;
        room.members
            .insert(participant.peer, Member { participant, out });
        broadcast_list(room);
        admitted
    }

    /// Takes a connection out of the room, stops its media and tells the rest.
    pub fn leave(&self, meeting: i64, peer: u64) {
        if let Some(Ok(sfu)) = self.sfu() {
            let _ = sfu.send(nghitruong_meet::ToSfu::Leave { peer: PeerId(peer) });
        }
        let mut rooms = self.rooms();
        if let Some(room) = rooms.get_mut(&meeting) {
            room.members.remove(&peer);
            if room.members.is_empty() && room.admitted_users.is_empty() {
                rooms.remove(&meeting);
            } else {
                broadcast_list(room);
            }
        }
    }

    /// Changes a participant with `change` and tells the room; false if
    /// they are not there.
    pub fn update(&self, meeting: i64, peer: u64, change: impl FnOnce(&mut Participant)) -> bool {
        let mut rooms = self.rooms();
        let Some(room) = rooms.get_mut(&meeting) else {
            return false;
        };
        let Some(member) = room.members.get_mut(&peer) else {
            return false;
        };
        change(&mut member.participant);
        let (user, admitted) = (member.participant.user_id, member.participant.admitted);
        if admitted {
            room.admitted_users.insert(user);
        } else {
            room.admitted_users.remove(&user);
        }
        broadcast_list(room);
        true
    }

    /// Sends `message` to every connection, the lobby included.
    pub fn broadcast_all(&self, meeting: i64, message: &ServerMessage) {
        if let Some(room) = self.rooms().get(&meeting) {
            for m in room.members.values() {
                let _ = m.out.send(message.clone());
            }
        }
    }

    /// A participant of the room.
    pub fn participant(&self, meeting: i64, peer: u64) -> Option<Participant> {
        self.rooms()
            .get(&meeting)
            .and_then(|r| r.members.get(&peer))
            .map(|m| m.participant.clone())
    }

    /// Everyone in the room.
    pub fn participants(&self, meeting: i64) -> Vec<Participant> {
        self.rooms()
            .get(&meeting)
            .map(|r| r.members.values().map(|m| m.participant.clone()).collect())
            .unwrap_or_default()
    }

    /// Sends `message` to one connection.
    pub fn send_to(&self, meeting: i64, peer: u64, message: ServerMessage) {
        if let Some(m) = self
            .rooms()
            .get(&meeting)
            .and_then(|r| r.members.get(&peer))
        {
            let _ = m.out.send(message);
        }
    }

    /// Sends `message` to everyone let in (and the moderators in the lobby view).
    pub fn broadcast(&self, meeting: i64, message: &ServerMessage) {
        if let Some(room) = self.rooms().get(&meeting) {
            for m in room.members.values().filter(|m| m.participant.admitted) {
                let _ = m.out.send(message.clone());
            }
        }
    }

    /// Relays the SFU's messages for one connection to its socket.
    pub fn relay(message: FromSfu) -> ServerMessage {
        match message {
            FromSfu::Answer { sdp } => ServerMessage::Answer { sdp },
            FromSfu::Offer { sdp } => ServerMessage::Offer { sdp },
            FromSfu::ActiveSpeaker { peer } => ServerMessage::Speaker { peer: peer.0 },
            FromSfu::Failed { reason } => ServerMessage::Error { message: reason },
        }
    }
}

/// Sends the room's list: moderators see everyone, the lobby included;
/// others see who is let in.
fn broadcast_list(room: &Room) {
    let all: Vec<Participant> = room
        .members
        .values()
        .map(|m| m.participant.clone())
        .collect();
    let admitted: Vec<Participant> = all.iter().filter(|p| p.admitted).cloned().collect();
    for m in room.members.values() {
        let list = if m.participant.role == RoomRole::Moderator {
            all.clone()
        } else if m.participant.admitted {
            admitted.clone()
        } else {
            continue;
        };
        let _ = m.out.send(ServerMessage::Participants { list });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc::unbounded_channel;

    fn person(peer: u64, role: RoomRole, admitted: bool) -> Participant {
        Participant {
            peer,
            user_id: peer as i64,
            name: format!("Người {peer}"),
            role,
            admitted,
            audio: true,
            video: true,
            screen: false,
            hand: false,
            silenced: false,
        }
    }

    fn lists(rx: &mut tokio::sync::mpsc::UnboundedReceiver<ServerMessage>) -> Vec<Vec<u64>> {
        let mut out = vec![];
        while let Ok(m) = rx.try_recv() {
            if let ServerMessage::Participants { list } = m {
                out.push(list.iter().map(|p| p.peer).collect());
            }
        }
        out
    }

    #[test]
    fn the_lobby_is_seen_by_moderators_only_and_admission_shows_everyone() {
        let service = MeetService::new(MeetEngine::default());
        let (chair_tx, mut chair) = unbounded_channel();
        let (guest_tx, mut guest) = unbounded_channel();
        let (member_tx, mut member) = unbounded_channel();
        service.enter(1, person(1, RoomRole::Moderator, true), chair_tx);
        service.enter(1, person(2, RoomRole::Participant, true), member_tx);
        service.enter(1, person(3, RoomRole::Participant, false), guest_tx);
        assert_eq!(lists(&mut chair).last(), Some(&vec![1, 2, 3]));
        assert_eq!(lists(&mut member).last(), Some(&vec![1, 2]));
        assert!(lists(&mut guest).is_empty(), "the lobby sees no one");
        assert!(service.update(1, 3, |p| p.admitted = true));
        assert_eq!(lists(&mut member).last(), Some(&vec![1, 2, 3]));
        assert_eq!(lists(&mut guest).last(), Some(&vec![1, 2, 3]));
        service.leave(1, 2);
        assert_eq!(lists(&mut chair).last(), Some(&vec![1, 3]));
        assert!(!service.update(1, 2, |p| p.hand = true));
        assert!(!service.update(9, 1, |p| p.hand = true));
    }

    #[test]
    fn broadcasts_reach_the_admitted_and_rooms_are_separate() {
        let service = MeetService::new(MeetEngine::default());
        let (a_tx, mut a) = unbounded_channel();
        let (b_tx, mut b) = unbounded_channel();
        let (c_tx, mut c) = unbounded_channel();
        service.enter(1, person(1, RoomRole::Participant, true), a_tx);
        service.enter(1, person(2, RoomRole::Viewer, false), b_tx);
        service.enter(2, person(3, RoomRole::Participant, true), c_tx);
        let _ = (lists(&mut a), lists(&mut b), lists(&mut c));
        service.broadcast(1, &ServerMessage::Ended);
        assert_eq!(a.try_recv().ok(), Some(ServerMessage::Ended));
        assert!(b.try_recv().is_err(), "the lobby is not in the meeting yet");
        assert!(c.try_recv().is_err(), "another room");
        service.leave(1, 1);
        service.leave(1, 2);
        assert!(service.participants(1).is_empty());
    }

    #[test]
    fn client_messages_parse_and_nonsense_does_not() {
        let m: ClientMessage =
            serde_json::from_str(r#"{"type":"layer","peer":4,"layer":"low"}"#).unwrap();
        assert_eq!(
            m,
            ClientMessage::Layer {
                peer: 4,
                layer: Layer::Low
            }
        );
        let m: ClientMessage = serde_json::from_str(r#"{"type":"end"}"#).unwrap();
        assert_eq!(m, ClientMessage::End);
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"xoa_het"}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"chat"}"#).is_err());
    }
}
