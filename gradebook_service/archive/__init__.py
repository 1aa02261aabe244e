"""Past years of the register, read-only: the families' and the staff's year switcher."""
