-- The access epoch (0017) also moves when a council's roster changes:
-- people, their positions, the council's bodies. The server keeps each
-- council's seated deputies in memory as it keeps viewers, so that the
-- ballots of a vote do not wait for 500 deputies to be read (issue #3).
CREATE TRIGGER people_roster AFTER INSERT OR UPDATE OR DELETE ON people
FOR EACH STATEMENT EXECUTE FUNCTION bump_access_epoch();
CREATE TRIGGER positions_roster AFTER INSERT OR UPDATE OR DELETE ON positions
FOR EACH STATEMENT EXECUTE FUNCTION bump_access_epoch();
CREATE TRIGGER bodies_roster AFTER INSERT OR UPDATE OR DELETE ON bodies
FOR EACH STATEMENT EXECUTE FUNCTION bump_access_epoch();
