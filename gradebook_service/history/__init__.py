"""The change log of the register (§21 of the MEN regulation of 25 August 2017)."""
