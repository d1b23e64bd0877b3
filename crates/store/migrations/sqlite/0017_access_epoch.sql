-- A counter that moves whenever something a signed-in viewer is made of
-- changes: an account, its roles, a sign-in session's access (not its
-- "last seen" time), a council. The server keeps viewers in memory and
-- reads this one number to know they still hold, instead of four queries
-- per viewer (issue #3). Triggers, so that changes made by another node or
-- by hand in the database move it too.
CREATE TABLE access_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO access_epoch (id, n) VALUES (1, 0);

CREATE TRIGGER users_access_update AFTER UPDATE ON users
BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER users_access_delete AFTER DELETE ON users
BEGIN UPDATE access_epoch SET n = n + 1; END;

CREATE TRIGGER user_roles_access_insert AFTER INSERT ON user_roles
BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER user_roles_access_update AFTER UPDATE ON user_roles
BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER user_roles_access_delete AFTER DELETE ON user_roles
BEGIN UPDATE access_epoch SET n = n + 1; END;

CREATE TRIGGER auth_sessions_access_update
AFTER UPDATE OF token_hash, user_id, csrf_token, council_id, needs_totp, expires_at, revoked_at
ON auth_sessions
BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER auth_sessions_access_delete AFTER DELETE ON auth_sessions
BEGIN UPDATE access_epoch SET n = n + 1; END;

CREATE TRIGGER councils_access_update AFTER UPDATE ON councils
BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER councils_access_delete AFTER DELETE ON councils
BEGIN UPDATE access_epoch SET n = n + 1; END;
