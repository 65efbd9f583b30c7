// KlaxonStore: placeholder until its first file lands.
