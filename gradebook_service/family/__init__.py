"""What families see: the home page with badges, Uczeń, Organizacja, and the menu layout."""
