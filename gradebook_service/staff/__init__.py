"""The teacher's side of the register: dashboard, lesson and attendance entry, grade grid."""
