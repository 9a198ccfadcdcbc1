"""The delivery page (/console/delivery): outbox outcomes by day and by reason, the queue depth and the clock's last tick. Owned by console-data."""
