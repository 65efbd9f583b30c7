// KlaxonService: placeholder until its first file lands.
