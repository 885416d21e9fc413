"""Understanding customer text: normalisation and knowledge matching behind one interface."""
