"""Transport around the engine: the op queue (group commit), the broadcaster, the Socket.IO handlers."""
