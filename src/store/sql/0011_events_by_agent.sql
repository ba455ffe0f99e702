-- The agents a cache has seen (`Store::known_agents`, read when an agent
-- is assigned or completed in a prompt) without scanning every event of a
-- long team log (schema version 11).
CREATE INDEX events_by_agent ON events(agent);
