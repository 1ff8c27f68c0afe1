"""Who may do what: teams and roles per measure and per session, projector links, and the one
policy that every route and socket event asks (workshop.access.policy)."""
