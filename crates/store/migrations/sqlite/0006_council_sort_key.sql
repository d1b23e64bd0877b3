-- Vietnamese dictionary order for council lists (filled by the application).
ALTER TABLE councils ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
