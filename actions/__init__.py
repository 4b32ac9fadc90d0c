"""Custom actions for the Safe Report assistant (run by the rasa-sdk action server)."""
