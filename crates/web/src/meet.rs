//! Online meeting rooms (phòng họp trực tuyến): the media engine (the
//! embedded SFU, or LiveKit), the people in each room, and the signalling
//! messages the room page exchanges with the server over WebSocket.
//!
//! A room lives in memory while the meeting runs; what must outlast it
//! (the meeting, its invitations, who joined when) is in the store. When
//! the meeting ends or is called off, [`MeetService::close`] lets everyone
//! know, releases the room here and in the SFU, and refuses later entries.
//!
//! The moderator's decisions hold in the media engine, not only in the
//! person's page: the embedded SFU drops a silenced peer's audio; in
//! LiveKit mode the access token allows a microphone only to those not
//! silenced, and the LiveKit server is told through its RoomService (the
//! audio tracks muted and the microphone permission taken away or given
//! with the floor, the participant removed, the room deleted). LiveKit
//! tokens are short-lived and renewed over the room's WebSocket for those
//! still let in only.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use nghitruong_domain::clock::{Clock, SystemClock};
use nghitruong_domain::meeting::{Mic, RoomRole};
use nghitruong_meet::livekit::{self, LiveKitConfig};
use nghitruong_meet::{FromSfu, Layer, PeerId, Sfu, SfuConfig, SfuError, ToSfu};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::UnboundedSender;

use crate::room_service::{Enforce, RoomService};

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
    /// Account (tài khoản). In LiveKit mode it is also the participant's
    /// LiveKit identity, so the browser can match LiveKit's tracks to this
    /// list.
    #[serde(rename = "user")]
    pub user_id: i64,
    /// The account's person (a deputy), for the session's speaking queue.
    #[serde(skip)]
    pub person_id: Option<i64>,
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
    /// Muted by the moderator: the SFU drops their audio (LiveKit mode:
    /// the LiveKit server mutes their audio tracks).
    pub silenced: bool,
    /// Has the floor (đang phát biểu).
    pub speaking: bool,
}

impl Participant {
    fn mic(&self) -> Mic {
        Mic {
            silenced: self.silenced,
            speaking: self.speaking,
        }
    }
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
    /// Moderator: give `peer` the floor, or take it back (a meeting not
    /// linked to a session; a session's floor is given from its queue).
    Floor {
        /// Who.
        peer: u64,
        /// Give (`true`) or take back.
        give: bool,
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
    /// You were given the floor or it ended; your microphone follows.
    Floor {
        /// You have the floor: your audio is open.
        speaking: bool,
        /// Your audio is muted.
        silenced: bool,
    },
    /// Your media connection failed; join again with a new one.
    MediaFailed {
        /// Vietnamese text.
        message: String,
    },
    /// LiveKit mode: a fresh access token for the LiveKit session, sent
    /// before the last one expires and when the microphone's permission
    /// changes (for livekit-client's reconnects). Only those let in get one.
    LivekitToken {
        /// The access token.
        token: String,
    },
    /// You were sent out.
    Removed,
    /// The meeting ended.
    Ended,
    /// The meeting was called off.
    Cancelled,
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
    admitted_users: HashSet<i64>,
    /// Accounts given the floor from the room (a meeting not linked to a
    /// session): they keep it when they come back after a dropped network.
    floor_users: HashSet<i64>,
}

/// What became of a connection that asked to enter.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    /// Let in (moderators, and accounts let in before).
    Admitted,
    /// Waiting in the lobby.
    Lobby,
    /// The meeting is over: this message says so, and there is no room.
    Closed(ServerMessage),
}

/// The rooms, and the meetings closed while this server runs (one id and
/// message each, so that a late connection is told rather than given a
/// new room).
#[derive(Default)]
struct Rooms {
    open: HashMap<i64, Room>,
    closed: HashMap<i64, ServerMessage>,
}

/// The meeting rooms of this server and their media engine.
pub struct MeetService {
    engine: MeetEngine,
    sfu: OnceLock<Result<Arc<Sfu>, String>>,
    /// LiveKit mode: the LiveKit server's RoomService.
    livekit: Option<RoomService>,
    rooms: Mutex<Rooms>,
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
        Self::with_clock(engine, Arc::new(SystemClock))
    }

    /// Rooms over `engine`, signing LiveKit's API tokens at `clock`'s time.
    pub fn with_clock(engine: MeetEngine, clock: Arc<dyn Clock>) -> Self {
        let livekit = match &engine {
            MeetEngine::LiveKit(config) => Some(RoomService::new(config.clone(), clock)),
            MeetEngine::Embedded { .. } => None,
        };
        Self {
            engine,
            livekit,
            sfu: OnceLock::new(),
            rooms: Mutex::new(Rooms::default()),
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

    fn lock(&self) -> std::sync::MutexGuard<'_, Rooms> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Tells the SFU (none in LiveKit mode). Called with the rooms locked,
    /// so the SFU sees mutes in the order the rooms record them.
    fn to_sfu(&self, command: ToSfu) {
        if let Some(Ok(sfu)) = self.sfu()
            && sfu.send(command).is_err()
        {
            tracing::warn!("the SFU has stopped");
        }
    }

    /// Tells the LiveKit server (none in embedded mode), in a task of its
    /// own: the caller does not wait, and failures are only logged.
    fn to_livekit(&self, action: Enforce) {
        if let Some(livekit) = &self.livekit {
            livekit.spawn(action);
        }
    }

    /// How many rooms are held in memory.
    pub fn room_count(&self) -> usize {
        self.lock().open.len()
    }

    /// Puts a connection in the room and tells everyone: let in at once
    /// (moderators, and accounts let in before), or in the lobby; or no
    /// room at all, when the meeting was closed.
    pub fn enter(
        &self,
        meeting: i64,
        mut participant: Participant,
        out: UnboundedSender<ServerMessage>,
    ) -> Entry {
        let mut rooms = self.lock();
        if let Some(message) = rooms.closed.get(&meeting) {
            return Entry::Closed(message.clone());
        }
        let room = rooms.open.entry(meeting).or_default();
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
        if admitted {
            Entry::Admitted
        } else {
            Entry::Lobby
        }
    }

    /// Ends the room of a meeting that ended or was called off: everyone
    /// in it (the lobby included) gets `message`, the room's people,
    /// admissions and floor are released here and its peers, tracks and
    /// speaker detection in the SFU (LiveKit mode: the LiveKit room is
    /// deleted, which disconnects everyone); later entries get `message` too.
    pub fn close(&self, meeting: i64, message: ServerMessage) {
        let mut rooms = self.lock();
        rooms.closed.insert(meeting, message.clone());
        if let Some(room) = rooms.open.remove(&meeting) {
            for m in room.members.values() {
                let _ = m.out.send(message.clone());
            }
        }
        self.to_sfu(ToSfu::CloseRoom { room: meeting });
        self.to_livekit(Enforce::DeleteRoom { meeting });
    }

    /// Sets the microphone of someone just let in, by the room's rules
    /// (`moderated`) and whether they hold the floor: in the session's
    /// queue (`in_session`, for a meeting linked to a session) or given in
    /// the room earlier. The SFU (or LiveKit) and the person are told.
    pub fn enter_mic(&self, meeting: i64, peer: u64, moderated: bool, in_session: Option<bool>) {
        let mut rooms = self.lock();
        let Some(room) = rooms.open.get_mut(&meeting) else {
            return;
        };
        let floor_users = &room.floor_users;
        let Some(member) = room.members.get_mut(&peer) else {
            return;
        };
        let p = &mut member.participant;
        let holds = in_session.unwrap_or_else(|| floor_users.contains(&p.user_id));
        let mic = Mic::on_entry(p.role, moderated, holds);
        p.silenced = mic.silenced;
        p.speaking = mic.speaking;
        if mic.speaking {
            p.hand = false;
        }
        let _ = member.out.send(ServerMessage::Floor {
            speaking: mic.speaking,
            silenced: mic.silenced,
        });
        self.to_sfu(ToSfu::Silence {
            peer: PeerId(peer),
            silenced: mic.silenced,
        });
        // LiveKit: a session that starts now joins with a token that allows
        // a microphone only when not silenced. One that outlived our
        // WebSocket keeps its tracks and permission: they are set to the
        // room's rules too.
        if mic.silenced {
            self.to_livekit(Enforce::MuteAudio {
                meeting,
                user: p.user_id,
            });
        }
        if p.role == RoomRole::Participant {
            self.to_livekit(Enforce::Permit {
                meeting,
                user: p.user_id,
                microphone: !mic.silenced,
            });
        }
        broadcast_list(room);
    }

    /// Moderator: mutes `peer` or opens their microphone; false if they
    /// are not in the room. A mute is also carried out by the SFU or, in
    /// LiveKit mode, by the LiveKit server (the audio muted, the microphone
    /// permission taken away); lifting it gives the permission back, and
    /// opening the microphone stays the person's own act.
    pub fn silence(&self, meeting: i64, peer: u64, silenced: bool) -> bool {
        let mut rooms = self.lock();
        let Some(member) = rooms
            .open
            .get_mut(&meeting)
            .and_then(|r| r.members.get_mut(&peer))
        else {
            return false;
        };
        member.participant.silenced = silenced;
        let _ = member.out.send(ServerMessage::Silenced { silenced });
        self.to_sfu(ToSfu::Silence {
            peer: PeerId(peer),
            silenced,
        });
        if silenced {
            self.to_livekit(Enforce::MuteAudio {
                meeting,
                user: member.participant.user_id,
            });
        }
        if member.participant.role.publishes() {
            self.to_livekit(Enforce::Permit {
                meeting,
                user: member.participant.user_id,
                microphone: !silenced,
            });
        }
        if let Some(room) = rooms.open.get(&meeting) {
            broadcast_list(room);
        }
        true
    }

    /// Moderator, in a meeting not linked to a session: gives `peer`'s
    /// account the floor or takes it back; false if they are not in the
    /// room or only watch.
    pub fn give_floor(&self, meeting: i64, peer: u64, give: bool, moderated: bool) -> bool {
        {
            let mut rooms = self.lock();
            let Some(room) = rooms.open.get_mut(&meeting) else {
                return false;
            };
            let Some(p) = room.members.get(&peer).map(|m| &m.participant) else {
                return false;
            };
            if !p.admitted || !p.role.publishes() {
                return false;
            }
            let user = p.user_id;
            if give {
                room.floor_users.insert(user);
            } else {
                room.floor_users.remove(&user);
            }
        }
        self.sync_floor(meeting, moderated, |p, floor_users| {
            floor_users.contains(&p.user_id)
        });
        true
    }

    /// Brings everyone's floor in line with `holds` (who has it now: from
    /// the session's queue, or the room's own floor): those given it are
    /// unmuted and told; those whose speech ended are muted again in a
    /// moderated meeting and told. In LiveKit mode the LiveKit server gives
    /// the microphone permission with the floor, and takes it away and mutes
    /// the audio when the speech ends. Others are left as they are.
    pub fn sync_floor(
        &self,
        meeting: i64,
        moderated: bool,
        holds: impl Fn(&Participant, &HashSet<i64>) -> bool,
    ) {
        let mut rooms = self.lock();
        let Some(room) = rooms.open.get_mut(&meeting) else {
            return;
        };
        let mut changed = false;
        for member in room.members.values_mut() {
            let p = &mut member.participant;
            let give = holds(p, &room.floor_users);
            if !p.admitted || give == p.speaking {
                continue;
            }
            let before = p.mic();
            let mic = before.floor(p.role, moderated, give);
            if mic == before {
                continue;
            }
            p.silenced = mic.silenced;
            p.speaking = mic.speaking;
            if mic.speaking {
                // The raised hand is answered.
                p.hand = false;
            }
            changed = true;
            let _ = member.out.send(ServerMessage::Floor {
                speaking: mic.speaking,
                silenced: mic.silenced,
            });
            if mic.silenced != before.silenced {
                self.to_sfu(ToSfu::Silence {
                    peer: PeerId(p.peer),
                    silenced: mic.silenced,
                });
                if mic.silenced {
                    self.to_livekit(Enforce::MuteAudio {
                        meeting,
                        user: p.user_id,
                    });
                }
                self.to_livekit(Enforce::Permit {
                    meeting,
                    user: p.user_id,
                    microphone: !mic.silenced,
                });
            }
        }
        if changed {
            broadcast_list(room);
        }
    }

    /// Hands an admitted connection's SDP offer to the SFU.
    pub fn join_sfu(
        &self,
        meeting: i64,
        peer: u64,
        offer: String,
        publish: bool,
        events: UnboundedSender<FromSfu>,
    ) -> Result<(), String> {
        let _order = self.lock();
        match self.sfu() {
            Some(Ok(sfu)) => sfu
                .send(ToSfu::Join {
                    room: meeting,
                    peer: PeerId(peer),
                    offer,
                    publish,
                    events,
                })
                .map_err(|_| "Bộ chuyển tiếp hình ảnh đã dừng.".to_owned()),
            Some(Err(e)) => Err(e),
            None => Err("Cuộc họp chạy trên máy chủ LiveKit.".to_owned()),
        }
    }

    /// Takes a connection out of the room, stops its media and tells the rest.
    pub fn leave(&self, meeting: i64, peer: u64) {
        let mut rooms = self.lock();
        self.to_sfu(ToSfu::Leave { peer: PeerId(peer) });
        if let Some(room) = rooms.open.get_mut(&meeting) {
            room.members.remove(&peer);
            if room.members.is_empty() && room.admitted_users.is_empty() {
                rooms.open.remove(&meeting);
            } else {
                broadcast_list(room);
            }
        }
    }

    /// Moderator: sends `peer` out. Their account must wait in the lobby to
    /// come back; in LiveKit mode the LiveKit server removes the account's
    /// participant too, and no fresh token reaches them (out of the room,
    /// they are not let in), so the last one they hold expires within its
    /// short life and cannot join LiveKit again after that. False if they
    /// are not in the room.
    pub fn remove(&self, meeting: i64, peer: u64) -> bool {
        let Some(user) = self.participant(meeting, peer).map(|p| p.user_id) else {
            return false;
        };
        if !self.update(meeting, peer, |p| p.admitted = false) {
            return false;
        }
        self.send_to(meeting, peer, ServerMessage::Removed);
        self.to_livekit(Enforce::Remove { meeting, user });
        true
    }

    /// LiveKit mode: where `peer` joins LiveKit and a token signed at `now`
    /// (Unix seconds) with what they may do there now: publish if their
    /// part does, a microphone only when not silenced, moderate if they
    /// moderate. `None` in embedded mode, for someone not let in (the
    /// lobby, the removed) or when signing fails.
    pub fn livekit_join(&self, meeting: i64, peer: u64, now: i64) -> Option<LiveKitJoin> {
        let MeetEngine::LiveKit(config) = &self.engine else {
            return None;
        };
        let p = self.participant(meeting, peer)?;
        if !p.admitted {
            return None;
        }
        let room = livekit::room_name(meeting);
        let identity = p.user_id.to_string();
        let grant = livekit::Grant {
            room: &room,
            identity: &identity,
            name: &p.name,
            publish: p.role.publishes(),
            microphone: p.role.publishes() && !p.silenced,
            admin: p.role == RoomRole::Moderator,
        };
        match livekit::access_token(config, &grant, now) {
            Ok(token) => Some(LiveKitJoin {
                url: config.url.clone(),
                room,
                token,
            }),
            Err(e) => {
                tracing::error!(error = %e, "could not sign a LiveKit token");
                None
            }
        }
    }

    /// Changes a participant with `change` and tells the room; false if
    /// they are not there.
    pub fn update(&self, meeting: i64, peer: u64, change: impl FnOnce(&mut Participant)) -> bool {
        let mut rooms = self.lock();
        let Some(room) = rooms.open.get_mut(&meeting) else {
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
        if let Some(room) = self.lock().open.get(&meeting) {
            for m in room.members.values() {
                let _ = m.out.send(message.clone());
            }
        }
    }

    /// A participant of the room.
    pub fn participant(&self, meeting: i64, peer: u64) -> Option<Participant> {
        self.lock()
            .open
            .get(&meeting)
            .and_then(|r| r.members.get(&peer))
            .map(|m| m.participant.clone())
    }

    /// Everyone in the room.
    pub fn participants(&self, meeting: i64) -> Vec<Participant> {
        self.lock()
            .open
            .get(&meeting)
            .map(|r| r.members.values().map(|m| m.participant.clone()).collect())
            .unwrap_or_default()
    }

    /// Sends `message` to one connection.
    pub fn send_to(&self, meeting: i64, peer: u64, message: ServerMessage) {
        if let Some(m) = self
            .lock()
            .open
            .get(&meeting)
            .and_then(|r| r.members.get(&peer))
        {
            let _ = m.out.send(message);
        }
    }

    /// Sends `message` to everyone let in (and the moderators in the lobby view).
    pub fn broadcast(&self, meeting: i64, message: &ServerMessage) {
        if let Some(room) = self.lock().open.get(&meeting) {
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
            FromSfu::Failed { reason } => ServerMessage::MediaFailed { message: reason },
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
            person_id: Some(100 + peer as i64),
            name: format!("Người {peer}"),
            role,
            admitted,
            audio: true,
            video: true,
            screen: false,
            hand: false,
            silenced: false,
            speaking: false,
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

    fn floors(rx: &mut tokio::sync::mpsc::UnboundedReceiver<ServerMessage>) -> Vec<(bool, bool)> {
        let mut out = vec![];
        while let Ok(m) = rx.try_recv() {
            if let ServerMessage::Floor { speaking, silenced } = m {
                out.push((speaking, silenced));
            }
        }
        out
    }

    #[test]
    fn the_floor_opens_the_microphone_and_its_end_mutes_again_when_moderated() {
        let service = MeetService::new(MeetEngine::default());
        let (chair_tx, mut chair) = unbounded_channel();
        let (a_tx, mut a) = unbounded_channel();
        let (b_tx, mut b) = unbounded_channel();
        service.enter(1, person(1, RoomRole::Moderator, true), chair_tx);
        service.enter(1, person(2, RoomRole::Participant, true), a_tx);
        service.enter(1, person(3, RoomRole::Participant, true), b_tx);
        for peer in 1..=3 {
            service.enter_mic(1, peer, true, None);
        }
        assert_eq!(
            floors(&mut chair),
            vec![(false, false)],
            "moderators are never muted"
        );
        assert_eq!(
            floors(&mut a),
            vec![(false, true)],
            "moderated: muted on entry"
        );
        assert_eq!(floors(&mut b), vec![(false, true)]);
        assert!(service.update(1, 2, |p| p.hand = true));
        assert!(service.give_floor(1, 2, true, true));
        assert_eq!(
            floors(&mut a),
            vec![(true, false)],
            "given the floor: audio open"
        );
        assert!(
            floors(&mut b).is_empty(),
            "the others are left as they were"
        );
        let speaker = service.participant(1, 2).unwrap();
        assert!(speaker.speaking && !speaker.silenced && !speaker.hand);
        // Giving it again changes nothing and tells no one.
        assert!(service.give_floor(1, 2, true, true));
        assert!(floors(&mut a).is_empty());
        assert!(service.give_floor(1, 2, false, true));
        assert_eq!(
            floors(&mut a),
            vec![(false, true)],
            "the speech ended: muted again"
        );
        // Back after a dropped network, someone holding the floor keeps it.
        assert!(service.give_floor(1, 3, true, true));
        service.leave(1, 3);
        let (b2_tx, mut b2) = unbounded_channel();
        service.enter(1, person(3, RoomRole::Participant, false), b2_tx);
        service.enter_mic(1, 3, true, None);
        assert_eq!(floors(&mut b2), vec![(true, false)]);
        // A viewer gets no floor; an unknown peer neither.
        let (v_tx, _v) = unbounded_channel();
        service.enter(1, person(4, RoomRole::Viewer, true), v_tx);
        assert!(!service.give_floor(1, 4, true, true));
        assert!(!service.give_floor(1, 99, true, true));
    }

    #[test]
    fn an_open_meeting_keeps_the_microphone_open_after_the_speech() {
        let service = MeetService::new(MeetEngine::default());
        let (a_tx, mut a) = unbounded_channel();
        service.enter(5, person(2, RoomRole::Participant, true), a_tx);
        service.enter_mic(5, 2, false, None);
        assert_eq!(floors(&mut a), vec![(false, false)]);
        assert!(service.silence(5, 2, true));
        service.give_floor(5, 2, true, false);
        assert_eq!(
            floors(&mut a),
            vec![(true, false)],
            "the floor lifts a mute"
        );
        service.give_floor(5, 2, false, false);
        assert_eq!(floors(&mut a), vec![(false, false)]);
    }

    #[test]
    fn the_session_queue_decides_who_speaks() {
        let service = MeetService::new(MeetEngine::default());
        let (a_tx, mut a) = unbounded_channel();
        let (b_tx, mut b) = unbounded_channel();
        service.enter(7, person(2, RoomRole::Participant, true), a_tx);
        service.enter(7, person(3, RoomRole::Participant, true), b_tx);
        // Person 103 (peer 3) holds the floor in the session already.
        service.enter_mic(7, 2, true, Some(false));
        service.enter_mic(7, 3, true, Some(true));
        assert_eq!(floors(&mut a), vec![(false, true)]);
        assert_eq!(floors(&mut b), vec![(true, false)]);
        // The chair ends 103's speech and calls 102.
        let speaking = [102];
        service.sync_floor(7, true, |p, _| {
            p.person_id.is_some_and(|x| speaking.contains(&x))
        });
        assert_eq!(floors(&mut a), vec![(true, false)]);
        assert_eq!(floors(&mut b), vec![(false, true)]);
    }

    #[test]
    fn a_closed_room_is_released_and_late_comers_are_told() {
        let service = MeetService::new(MeetEngine::default());
        let (a_tx, mut a) = unbounded_channel();
        let (lobby_tx, mut lobby) = unbounded_channel();
        let (other_tx, mut other) = unbounded_channel();
        service.enter(1, person(1, RoomRole::Moderator, true), a_tx);
        service.enter(1, person(2, RoomRole::Participant, false), lobby_tx);
        service.enter(2, person(3, RoomRole::Participant, true), other_tx);
        let _ = (lists(&mut a), lists(&mut lobby), lists(&mut other));
        assert_eq!(service.room_count(), 2);
        service.close(1, ServerMessage::Ended);
        assert_eq!(a.try_recv().ok(), Some(ServerMessage::Ended));
        assert_eq!(
            lobby.try_recv().ok(),
            Some(ServerMessage::Ended),
            "the lobby too"
        );
        assert!(other.try_recv().is_err(), "another room goes on");
        assert_eq!(service.room_count(), 1, "the ended room is released");
        assert!(service.participants(1).is_empty());
        // The connections then leave; no room comes back.
        service.leave(1, 1);
        service.leave(1, 2);
        assert_eq!(service.room_count(), 1);
        let (late_tx, mut late) = unbounded_channel();
        assert_eq!(
            service.enter(1, person(1, RoomRole::Moderator, true), late_tx),
            Entry::Closed(ServerMessage::Ended)
        );
        assert!(late.try_recv().is_err(), "no room, no list");
        assert_eq!(service.room_count(), 1);
        service.close(2, ServerMessage::Cancelled);
        assert_eq!(other.try_recv().ok(), Some(ServerMessage::Cancelled));
        assert_eq!(service.room_count(), 0);
    }

    #[test]
    fn the_livekit_token_follows_the_microphone_and_admission() {
        let c = LiveKitConfig {
            url: "ws://127.0.0.1:7880".into(),
            api_key: "APIkhoa".into(),
            api_secret: "bi-mat-du-dai-cho-hmac-sha256-0123456789".into(),
            ttl_seconds: livekit::JOIN_TOKEN_TTL_SECONDS,
        };
        let service = MeetService::new(MeetEngine::LiveKit(c.clone()));
        let claims = |join: LiveKitJoin| {
            let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
            v.validate_exp = false;
            v.validate_nbf = false;
            jsonwebtoken::decode::<livekit::Claims>(
                &join.token,
                &jsonwebtoken::DecodingKey::from_secret(c.api_secret.as_bytes()),
                &v,
            )
            .expect("signed")
            .claims
        };
        let (a_tx, _a) = unbounded_channel();
        let (v_tx, _v) = unbounded_channel();
        let (l_tx, _l) = unbounded_channel();
        service.enter(3, person(2, RoomRole::Participant, true), a_tx);
        service.enter(3, person(4, RoomRole::Viewer, true), v_tx);
        service.enter(3, person(5, RoomRole::Participant, false), l_tx);
        // Moderated: silenced on entry, so no microphone in the token.
        service.enter_mic(3, 2, true, None);
        let silenced = claims(service.livekit_join(3, 2, 1_800_000_000).expect("token"));
        assert_eq!(
            silenced.video.can_publish_sources,
            ["camera", "screen_share"]
        );
        assert_eq!(silenced.exp - silenced.nbf, 600);
        assert_eq!(silenced.video.room, "hop-3");
        assert_eq!(silenced.sub, "2");
        // Given the floor: the next token allows it.
        assert!(service.give_floor(3, 2, true, true));
        let speaking = claims(service.livekit_join(3, 2, 1_800_000_300).expect("token"));
        assert!(
            speaking
                .video
                .can_publish_sources
                .contains(&"microphone".to_owned())
        );
        assert_eq!(speaking.nbf, 1_800_000_300);
        let viewer = claims(service.livekit_join(3, 4, 1_800_000_000).expect("token"));
        assert!(!viewer.video.can_publish && viewer.video.can_publish_sources.is_empty());
        assert!(
            service.livekit_join(3, 5, 1_800_000_000).is_none(),
            "the lobby"
        );
        assert!(service.livekit_join(3, 99, 1_800_000_000).is_none());
        let embedded = MeetService::new(MeetEngine::default());
        let (e_tx, _e) = unbounded_channel();
        embedded.enter(3, person(2, RoomRole::Participant, true), e_tx);
        assert!(embedded.livekit_join(3, 2, 1_800_000_000).is_none());
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

    #[test]
    fn the_list_names_each_account_for_livekit_but_not_the_person() {
        let json = serde_json::to_value(person(7, RoomRole::Participant, true)).unwrap();
        // LiveKit's identity is the account id as text; the page maps by it.
        assert_eq!(json["user"], 7);
        assert_eq!(json["peer"], 7);
        assert!(json.get("person_id").is_none(), "{json}");
        assert!(json.get("user_id").is_none(), "{json}");
    }

    /// Waits until the fake LiveKit server has seen `n` calls; their
    /// methods and bodies, in arrival order.
    async fn livekit_calls(
        calls: &crate::room_service::tests::Calls,
        n: usize,
    ) -> Vec<(String, serde_json::Value)> {
        for _ in 0..200 {
            let seen = calls.lock().unwrap().clone();
            if seen.len() >= n {
                return seen.into_iter().map(|(m, _, b)| (m, b)).collect();
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("LiveKit saw {:?}", calls.lock().unwrap());
    }

    #[tokio::test]
    async fn in_livekit_mode_the_moderators_decisions_reach_the_livekit_server() {
        let (url, calls) = crate::room_service::tests::fake_livekit().await;
        let service = MeetService::new(MeetEngine::LiveKit(LiveKitConfig {
            url,
            api_key: "APIkhoa".into(),
            api_secret: crate::room_service::tests::SECRET.into(),
            ttl_seconds: 3600,
        }));
        let (chair_tx, _chair) = unbounded_channel();
        let (a_tx, mut a) = unbounded_channel();
        service.enter(7, person(1, RoomRole::Moderator, true), chair_tx);
        // Account 12 is the one the fake lists, with a microphone and a camera.
        service.enter(7, person(12, RoomRole::Participant, true), a_tx);
        service.enter_mic(7, 1, true, None);
        service.enter_mic(7, 12, false, None);
        // Silenced: LiveKit mutes account 12's audio (not the camera) and
        // takes its microphone permission away.
        let calls_of = |method: &str| {
            calls
                .lock()
                .unwrap()
                .iter()
                .filter(|(name, _, _)| name == method)
                .map(|(_, _, body)| body.clone())
                .collect::<Vec<_>>()
        };
        let microphone = |body: &serde_json::Value| {
            body["permission"]["can_publish_sources"]
                .as_array()
                .is_some_and(|s| s.iter().any(|x| x == "MICROPHONE"))
        };
        assert!(service.silence(7, 12, true));
        let seen = livekit_calls(&calls, 4).await;
        assert!(seen.iter().any(|(m, _)| m == "ListParticipants"));
        assert_eq!(
            calls_of("MutePublishedTrack"),
            [
                serde_json::json!({"room": "hop-7", "identity": "12", "track_sid": "TR_mic", "muted": true})
            ]
        );
        let updates = calls_of("UpdateParticipant");
        assert_eq!(updates.len(), 2, "entry, then the mute: {updates:?}");
        assert_eq!(updates[1]["identity"], "12");
        assert!(!microphone(&updates[1]), "{updates:?}");
        // Lifting the mute gives the permission back and unmutes nothing.
        assert!(service.silence(7, 12, false));
        livekit_calls(&calls, 5).await;
        let updates = calls_of("UpdateParticipant");
        assert!(microphone(updates.last().unwrap()), "{updates:?}");
        // In a moderated meeting, the end of a speech mutes again and takes
        // the permission away.
        assert!(service.give_floor(7, 12, true, true));
        assert!(service.give_floor(7, 12, false, true));
        livekit_calls(&calls, 8).await;
        assert_eq!(calls_of("MutePublishedTrack").len(), 2);
        let updates = calls_of("UpdateParticipant");
        assert_eq!(updates.len(), 4, "{updates:?}");
        assert!(!microphone(updates.last().unwrap()), "{updates:?}");
        // Removed: LiveKit sends the account out (the fake refuses; the
        // room goes on), and no token is signed for them any more.
        assert!(service.livekit_join(7, 12, 1_800_000_000).is_some());
        assert!(service.remove(7, 12));
        assert!(!service.remove(7, 99), "no such peer");
        assert!(service.livekit_join(7, 12, 1_800_000_000).is_none());
        livekit_calls(&calls, 9).await;
        assert_eq!(
            calls_of("RemoveParticipant"),
            [serde_json::json!({"room": "hop-7", "identity": "12"})]
        );
        let mut told = vec![];
        while let Ok(m) = a.try_recv() {
            told.push(m);
        }
        assert_eq!(told.last(), Some(&ServerMessage::Removed));
        // Ended: the LiveKit room is deleted.
        service.close(7, ServerMessage::Ended);
        livekit_calls(&calls, 10).await;
        assert_eq!(
            calls_of("DeleteRoom"),
            [serde_json::json!({"room": "hop-7"})]
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(
            service.livekit_join(7, 1, 1_800_000_000).is_none(),
            "no room"
        );
        assert_eq!(calls.lock().unwrap().len(), 10, "nothing more");
    }
}
