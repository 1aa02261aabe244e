"""Welcome letters: the printed login and password of each pupil–guardian pair (PDF)."""
