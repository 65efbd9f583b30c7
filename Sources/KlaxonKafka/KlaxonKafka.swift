// KlaxonKafka: placeholder until its first file lands.
