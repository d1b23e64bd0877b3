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

CREATE FUNCTION bump_access_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE access_epoch SET n = n + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_access AFTER UPDATE OR DELETE ON users
FOR EACH STATEMENT EXECUTE FUNCTION bump_access_epoch();
CREATE TRIGGER user_roles_access AFTER INSERT OR UPDATE OR DELETE ON user_roles
FOR EACH STATEMENT EXECUTE FUNCTION bump_access_epoch();
CREATE TRIGGER auth_sessions_access
AFTER UPDATE OF token_hash, user_id, csrf_token, council_id, needs_totp, expires_at, revoked_at
OR DELETE ON auth_sessions
FOR EACH STATEMENT EXECUTE FUNCTION bump_access_epoch();
CREATE TRIGGER councils_access AFTER UPDATE OR DELETE ON councils
FOR EACH STATEMENT EXECUTE FUNCTION bump_access_epoch();
