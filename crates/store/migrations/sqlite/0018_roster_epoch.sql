-- The access epoch (0017) also moves when a council's roster changes:
-- people, their positions, the council's bodies. The server keeps each
-- council's seated deputies in memory as it keeps viewers, so that the
-- ballots of a vote do not wait for 500 deputies to be read (issue #3).
CREATE TRIGGER people_roster_insert AFTER INSERT ON people
BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER people_roster_update AFTER UPDATE ON people
BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER people_roster_delete AFTER DELETE ON people
BEGIN UPDATE access_epoch SET n = n + 1; END;

CREATE TRIGGER positions_roster_insert AFTER INSERT ON positions
BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER positions_roster_update AFTER UPDATE ON positions
BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER positions_roster_delete AFTER DELETE ON positions
BEGIN UPDATE access_epoch SET n = n + 1; END;

CREATE TRIGGER bodies_roster_insert AFTER INSERT ON bodies
BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER bodies_roster_update AFTER UPDATE ON bodies
BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER bodies_roster_delete AFTER DELETE ON bodies
BEGIN UPDATE access_epoch SET n = n + 1; END;
